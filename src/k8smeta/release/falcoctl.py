"""The OCI layout falcoctl gives a plugin artifact, and the way its install unpacks one.

`falcoctl registry push --type plugin` writes, per platform, an image manifest whose config
blob is the artifact config (`name`, `version`, `requirements`) and whose one layer is the
tarball (its file name as the title annotation); the manifests go into an image index,
each with its platform, and the tag names the index. `falcoctl artifact install` picks the
manifest of the machine's `GOOS/GOARCH` from the index and unpacks the layer into the
plugins directory. Every document here is serialized as Go's `encoding/json` does (fields
in declaration order, no spaces), so equal inputs give equal digests.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

PLUGIN_CONFIG_MEDIA_TYPE: Final = "application/vnd.cncf.falco.plugin.config.v1+json"
PLUGIN_LAYER_MEDIA_TYPE: Final = "application/vnd.cncf.falco.plugin.layer.v1+tar.gz"
MANIFEST_MEDIA_TYPE: Final = "application/vnd.oci.image.manifest.v1+json"
INDEX_MEDIA_TYPE: Final = "application/vnd.oci.image.index.v1+json"
TITLE: Final = "org.opencontainers.image.title"
CREATED: Final = "org.opencontainers.image.created"
#: The requirement Falco checks against its plugin API version.
PLUGIN_API_REQUIREMENT: Final = "plugin_api_version"


def go_json(value: Any) -> bytes:
    """JSON as Go's encoding/json writes it: compact, keys in the order given, and `<`,
    `>`, `&` escaped (Go's HTML-safe default)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def digest_of(data: bytes) -> str:
    """The OCI digest of a blob's bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class ArtifactConfig:
    """The plugin artifact's config blob: what falcoctl resolves and checks before install."""

    name: str
    version: str
    plugin_api_version: str

    def to_bytes(self) -> bytes:
        requirement = {"name": PLUGIN_API_REQUIREMENT, "version": self.plugin_api_version}
        return go_json({"name": self.name, "version": self.version, "requirements": [requirement]})

    @classmethod
    def from_bytes(cls, data: bytes) -> ArtifactConfig:
        doc = json.loads(data)
        needs = {r["name"]: r["version"] for r in doc.get("requirements", [])}
        return cls(doc["name"], doc["version"], needs[PLUGIN_API_REQUIREMENT])


def descriptor(
    media_type: str,
    digest: str,
    size: int,
    annotations: dict[str, str] | None = None,
    platform: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """An OCI descriptor, fields in the image-spec's Go order; `platform` is (os, arch)."""
    desc: dict[str, Any] = {"mediaType": media_type, "digest": digest, "size": size}
    if annotations:
        desc["annotations"] = dict(sorted(annotations.items()))
    if platform:
        desc["platform"] = {"architecture": platform[1], "os": platform[0]}
    return desc


def rfc3339(epoch: int) -> str:
    """`org.opencontainers.image.created` for a time (the release's, not the push's)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def manifest_bytes(config: dict[str, Any], layer: dict[str, Any], created: str) -> bytes:
    """The image manifest of one platform's artifact (what oras' Pack writes for falcoctl)."""
    return go_json(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": config,
            "layers": [layer],
            "annotations": {CREATED: created},
        }
    )


def index_bytes(manifests: list[dict[str, Any]]) -> bytes:
    """The image index the tag names: one manifest descriptor per platform."""
    return go_json({"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": manifests})


def select_manifest(index: dict[str, Any], os_name: str, arch: str) -> dict[str, Any]:
    """The index's manifest descriptor for a platform, as falcoctl's install picks it."""
    for desc in index.get("manifests", []):
        platform = desc.get("platform") or {}
        if platform.get("os") == os_name and platform.get("architecture") == arch:
            return dict(desc)
    raise LookupError(f"no manifest for {os_name}/{arch} in the index")


def install_tarball(tarball: Path, plugins_dir: Path) -> list[Path]:
    """Unpack the layer into an existing, writable plugins directory as falcoctl's install
    does: names with `..` refused, directories created (0750), regular files written with
    the member's mode; returns what was written."""
    if not plugins_dir.is_dir() or not os.access(plugins_dir, os.W_OK):
        raise OSError(f"cannot use directory {plugins_dir} as install destination")
    written: list[Path] = []
    with tarfile.open(tarball, "r:gz") as tar:
        for info in tar:
            if ".." in info.name:
                raise ValueError(f"not allowed relative path in tar archive: {info.name}")
            target = plugins_dir / info.name
            if info.isdir():
                target.mkdir(mode=0o750, parents=True, exist_ok=True)
            elif info.isfile():
                source = tar.extractfile(info)
                assert source is not None  # a regular file always has data
                target.write_bytes(source.read())
                target.chmod(info.mode & 0o7777)
            else:
                raise ValueError(f"unknown member type in {info.name}")
            written.append(target)
    return written
