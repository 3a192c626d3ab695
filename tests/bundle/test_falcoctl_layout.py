"""The falcoctl documents: serialized as Go's encoding/json writes falcoctl's structs, and the
install's unpacking rules."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from k8smeta.release.falcoctl import (
    INDEX_MEDIA_TYPE,
    MANIFEST_MEDIA_TYPE,
    ArtifactConfig,
    descriptor,
    digest_of,
    index_bytes,
    install_tarball,
    rfc3339,
    select_manifest,
)
from k8smeta.release.oci import split_reference


def test_config_is_falcoctls_artifact_config() -> None:
    """Fields in the order of falcoctl's ArtifactConfig (name, version, dependencies,
    requirements), empty ones left out, no spaces."""
    config = ArtifactConfig("k8smeta", "0.1.0", "3.2.0")
    data = config.to_bytes()
    assert data == (
        b'{"name":"k8smeta","version":"0.1.0",'
        b'"requirements":[{"name":"plugin_api_version","version":"3.2.0"}]}'
    )
    assert ArtifactConfig.from_bytes(data) == config


def test_index_names_the_platform_of_its_manifest() -> None:
    desc = descriptor(MANIFEST_MEDIA_TYPE, digest_of(b"m"), 1, None, ("linux", "amd64"))
    index = json.loads(index_bytes([desc]))
    assert index["mediaType"] == INDEX_MEDIA_TYPE
    assert list(index) == ["schemaVersion", "mediaType", "manifests"]
    assert select_manifest(index, "linux", "amd64")["digest"] == digest_of(b"m")
    with pytest.raises(LookupError, match="linux/arm64"):
        select_manifest(index, "linux", "arm64")


def test_created_is_rfc3339_utc() -> None:
    assert rfc3339(0) == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("127.0.0.1:5000/plugins/k8smeta:0.1.0", ("127.0.0.1:5000", "plugins/k8smeta", "0.1.0")),
        ("ghcr.io/o/p/k8smeta", ("ghcr.io", "o/p/k8smeta", "latest")),
        (
            "localhost:5000/k8smeta@sha256:" + "a" * 64,
            ("localhost:5000", "k8smeta", "sha256:" + "a" * 64),
        ),
    ],
)
def test_references(ref: str, expected: tuple[str, str, str]) -> None:
    assert split_reference(ref) == expected


def _tarball(path: Path, members: list[tarfile.TarInfo]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info in members:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isfile() else None)
    return path


def test_install_unpacks_into_the_plugins_directory(tmp_path: Path) -> None:
    folder = tarfile.TarInfo("runtime")
    folder.type = tarfile.DIRTYPE
    library = tarfile.TarInfo("runtime/lib.so")
    library.size, library.mode = 3, 0o755
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    install_tarball(_tarball(tmp_path / "a.tar.gz", [folder, library]), plugins)
    assert (plugins / "runtime" / "lib.so").read_bytes() == b"xxx"
    assert (plugins / "runtime" / "lib.so").stat().st_mode & 0o777 == 0o755


@pytest.mark.parametrize("kind", ["dotdot", "symlink-outside"])
def test_install_refuses_what_falcoctl_refuses(tmp_path: Path, kind: str) -> None:
    info = tarfile.TarInfo("../escape" if kind == "dotdot" else "link")
    if kind != "dotdot":
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    with pytest.raises(ValueError, match=r"\.\.|member type"):
        install_tarball(_tarball(tmp_path / "a.tar.gz", [info]), plugins)
    assert not list(plugins.iterdir())


def test_install_needs_an_existing_directory(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="install destination"):
        install_tarball(_tarball(tmp_path / "a.tar.gz", []), tmp_path / "missing")
