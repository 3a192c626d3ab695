"""Push the plugin bundle to an OCI registry as a falcoctl plugin artifact; pull it back by
tag or digest; install it into a plugins directory as `falcoctl artifact install` does.

    python -m k8smeta.release.oci push <repository> [--tarball T] [--tag X ...] [--plain-http]
    python -m k8smeta.release.oci install <repository>:<tag>|<repository>@<digest> <plugins-dir>

`make publish REGISTRY=<host>/<path>` pushes `dist/`'s tarball to `<REGISTRY>/k8smeta`,
tagged with the artifact's version. The config (plugin name, version, required plugin API
version) comes from the SBOM inside the tarball, which the bundle build filled in from the
library itself. The registry client is the `oras` package (its auth, retries and blob
transfer); the documents are falcoctl's (`falcoctl`). Credentials, when the registry wants
them: `K8SMETA_REGISTRY_USERNAME` and `K8SMETA_REGISTRY_PASSWORD`, else the docker config.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import oras.container
import oras.provider

from k8smeta.plugin.abi.bundle import SBOM_NAME, artifact_name, oci_platform
from k8smeta.release.falcoctl import (
    INDEX_MEDIA_TYPE,
    MANIFEST_MEDIA_TYPE,
    PLUGIN_CONFIG_MEDIA_TYPE,
    PLUGIN_LAYER_MEDIA_TYPE,
    TITLE,
    ArtifactConfig,
    descriptor,
    digest_of,
    index_bytes,
    install_tarball,
    manifest_bytes,
    rfc3339,
    select_manifest,
)

ACCEPT: Final = f"{INDEX_MEDIA_TYPE}, {MANIFEST_MEDIA_TYPE}"


class RegistryError(Exception):
    """The registry refused a request, or sent what does not match its digest."""


@dataclass(frozen=True, slots=True)
class Release:
    """What the push publishes about one tarball (read from the SBOM inside it)."""

    config: ArtifactConfig
    platform: str  # "linux/amd64"
    created: str  # the release's time, RFC 3339


@dataclass(frozen=True, slots=True)
class Pulled:
    """An artifact pulled for one platform: the digests, its config and the tarball."""

    index_digest: str
    manifest_digest: str
    config: ArtifactConfig
    tarball: Path


def describe(tarball: Path) -> Release:
    """The artifact config, platform and time of a bundle, from its own SBOM."""
    with tarfile.open(tarball, "r:gz") as tar:
        member = tar.extractfile(SBOM_NAME)
        if member is None:
            raise RegistryError(f"{tarball} holds no {SBOM_NAME}")
        sbom = json.load(member)
    root = sbom["metadata"]["component"]
    found = [{p["name"]: p["value"] for p in c.get("properties", [])} for c in sbom["components"]]
    props = next(f for f in found if "falco:plugin:name" in f)
    platform = {p["name"]: p["value"] for p in root.get("properties", [])}["oci:platform"]
    stamp = datetime.datetime.fromisoformat(sbom["metadata"]["timestamp"])
    epoch = int(stamp.timestamp())
    config = ArtifactConfig(
        props["falco:plugin:name"], root["version"], props["falco:plugin:required_api_version"]
    )
    return Release(config, platform, rfc3339(epoch))


class Client:
    """One registry over the `oras` client: blobs and manifests by digest, tags."""

    def __init__(self, host: str, *, plain_http: bool) -> None:
        self.oras = oras.provider.Registry(hostname=host, insecure=plain_http)
        self.host = host
        self.scheme = "http" if plain_http else "https"
        user = os.environ.get("K8SMETA_REGISTRY_USERNAME")
        if user:
            self.oras.login(user, os.environ.get("K8SMETA_REGISTRY_PASSWORD", ""), hostname=host)

    def container(self, repository: str) -> oras.container.Container:
        return oras.container.Container(repository, registry=self.host)

    def push_blob(self, repository: str, data: bytes, media_type: str) -> None:
        layer = {"mediaType": media_type, "digest": digest_of(data), "size": len(data)}
        with tempfile.NamedTemporaryFile(prefix="k8smeta-blob-") as blob:
            blob.write(data)
            blob.flush()
            response = self.oras.upload_blob(blob.name, self.container(repository), layer)
        if response.status_code not in (200, 201, 202):
            raise RegistryError(f"blob {layer['digest']}: HTTP {response.status_code}")

    def push_manifest(self, repository: str, reference: str, data: bytes, media: str) -> None:
        url = f"{self.scheme}://{self.container(repository).manifest_url(reference)}"
        response = self.oras.do_request(url, "PUT", data=data, headers={"Content-Type": media})
        if response.status_code != 201:
            raise RegistryError(f"manifest {reference}: HTTP {response.status_code}")
        if response.headers.get("Docker-Content-Digest", digest_of(data)) != digest_of(data):
            raise RegistryError(f"manifest {reference}: the registry stored other bytes")

    def fetch_manifest(self, repository: str, reference: str) -> tuple[str, bytes]:
        """(media type, bytes) of a manifest or index, checked against a digest reference."""
        url = f"{self.scheme}://{self.container(repository).manifest_url(reference)}"
        response = self.oras.do_request(url, "GET", headers={"Accept": ACCEPT})
        if response.status_code != 200:
            raise RegistryError(f"{repository}:{reference}: HTTP {response.status_code}")
        data = response.content
        if reference.startswith("sha256:") and digest_of(data) != reference:
            raise RegistryError(f"{repository}@{reference}: content does not match its digest")
        return response.headers.get("Content-Type", ""), data

    def fetch_blob(self, repository: str, desc: dict[str, Any], target: Path) -> Path:
        self.oras.download_blob(self.container(repository), desc["digest"], str(target))
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        if f"sha256:{digest}" != desc["digest"] or target.stat().st_size != desc["size"]:
            raise RegistryError(f"blob {desc['digest']}: content does not match its digest")
        return target


def split_reference(ref: str) -> tuple[str, str, str]:
    """`host/repo:tag` or `host/repo@sha256:...` -> (host, repo, tag or digest); a bare
    `host/repo` names its `latest` tag, as for falcoctl."""
    name, at, digest = ref.partition("@")
    host, _, path = name.partition("/")
    if not path:
        raise ValueError(f"{ref}: expected <host>/<repository>[:tag|@digest]")
    repo, tag = path, ""
    if ":" in path.rsplit("/", 1)[-1]:
        repo, _, tag = path.rpartition(":")
    return host, repo, digest if at else (tag or "latest")


def push(tarball: Path, repository: str, tags: list[str], *, plain_http: bool) -> str:
    """Push `tarball` to `repository` (`host/path`) under `tags` as falcoctl does; returns
    the index's digest, which pins this artifact."""
    release = describe(tarball)
    host, repo, reference = split_reference(repository)
    if reference != "latest" or repository.endswith(":latest"):
        raise ValueError(f"{repository}: name the repository only; tags go in --tag")
    client = Client(host, plain_http=plain_http)
    config = release.config.to_bytes()
    layer = tarball.read_bytes()
    client.push_blob(repo, layer, PLUGIN_LAYER_MEDIA_TYPE)
    client.push_blob(repo, config, PLUGIN_CONFIG_MEDIA_TYPE)
    manifest = manifest_bytes(
        descriptor(PLUGIN_CONFIG_MEDIA_TYPE, digest_of(config), len(config), {TITLE: "config"}),
        descriptor(PLUGIN_LAYER_MEDIA_TYPE, digest_of(layer), len(layer), {TITLE: tarball.name}),
        release.created,
    )
    client.push_manifest(repo, digest_of(manifest), manifest, MANIFEST_MEDIA_TYPE)
    os_name, arch = release.platform.split("/")
    index = index_bytes(
        [descriptor(MANIFEST_MEDIA_TYPE, digest_of(manifest), len(manifest), None, (os_name, arch))]
    )
    for tag in tags or [release.config.version]:
        client.push_manifest(repo, tag, index, INDEX_MEDIA_TYPE)
    return digest_of(index)


def pull(ref: str, directory: Path, *, plain_http: bool, platform: str = "") -> Pulled:
    """Pull the artifact `ref` names (by tag or digest) for `platform` (default: this
    machine's) into `directory`, checking every digest on the way."""
    host, repo, reference = split_reference(ref)
    client = Client(host, plain_http=plain_http)
    media, data = client.fetch_manifest(repo, reference)
    index_digest = digest_of(data)
    if media != INDEX_MEDIA_TYPE:
        raise RegistryError(f"{ref}: a plugin artifact is an image index, not {media}")
    os_name, arch = (platform or oci_platform()).split("/")
    chosen = select_manifest(json.loads(data), os_name, arch)
    _, manifest_data = client.fetch_manifest(repo, chosen["digest"])
    manifest = json.loads(manifest_data)
    layer = manifest["layers"][0]
    if layer["mediaType"] != PLUGIN_LAYER_MEDIA_TYPE:
        raise RegistryError(f"{ref}: unknown layer media type {layer['mediaType']}")
    directory.mkdir(parents=True, exist_ok=True)
    config_path = client.fetch_blob(repo, manifest["config"], directory / "config.json")
    title = Path(layer.get("annotations", {}).get(TITLE, "plugin.tar.gz")).name
    tarball = client.fetch_blob(repo, layer, directory / title)
    config = ArtifactConfig.from_bytes(config_path.read_bytes())
    config_path.unlink()
    return Pulled(index_digest, chosen["digest"], config, tarball)


def install(ref: str, plugins_dir: Path, *, plain_http: bool) -> Pulled:
    """`falcoctl artifact install <ref> --plugins-dir <plugins_dir>`, for this artifact."""
    with tempfile.TemporaryDirectory(prefix="k8smeta-pull-") as tmp:
        pulled = pull(ref, Path(tmp), plain_http=plain_http)
        install_tarball(pulled.tarball, plugins_dir)
    return pulled


def main(argv: list[str] | None = None) -> int:
    """Entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m k8smeta.release.oci")
    parser.add_argument("--plain-http", action="store_true", help="the registry speaks http")
    sub = parser.add_subparsers(dest="command", required=True)
    p_push = sub.add_parser("push", help="push the bundle as a falcoctl plugin artifact")
    p_push.add_argument("repository", help="<host>/<path>, e.g. ghcr.io/org/plugins/k8smeta")
    p_push.add_argument("--tarball", type=Path, default=Path("dist") / artifact_name())
    p_push.add_argument("--tag", action="append", default=[], help="default: the version")
    p_install = sub.add_parser("install", help="pull and unpack into a plugins directory")
    p_install.add_argument("ref", help="<host>/<path>:<tag> or <host>/<path>@<digest>")
    p_install.add_argument("plugins_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "push":
            digest = push(args.tarball, args.repository, args.tag, plain_http=args.plain_http)
            print(f"pushed {args.tarball.name} to {args.repository}@{digest}")
        else:
            pulled = install(args.ref, args.plugins_dir, plain_http=args.plain_http)
            print(f"installed {args.ref} ({pulled.index_digest}) into {args.plugins_dir}")
    except (RegistryError, LookupError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
