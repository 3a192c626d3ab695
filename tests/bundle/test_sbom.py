"""The bundle's SBOM accounts for every file of the bundle, once, and says what each is."""

from __future__ import annotations

import email
import json
import platform
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

import k8smeta
from k8smeta.plugin.abi.bundle import BUNDLE_DIR, SBOM_NAME, sbom_name
from k8smeta.plugin.abi.bundle_archive import sha256_file


@pytest.fixture(scope="module")
def members(tarball: Path) -> dict[str, bytes]:
    """Every regular file of the tarball: name -> content."""
    out: dict[str, bytes] = {}
    with tarfile.open(tarball) as tar:
        for member in tar:
            data = tar.extractfile(member)
            if data is not None:
                out[member.name] = data.read()
    return out


@pytest.fixture(scope="module")
def sbom(members: dict[str, bytes]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(members[SBOM_NAME])
    return doc


def by_kind(sbom: dict[str, Any], purl_type: str) -> list[dict[str, Any]]:
    return [c for c in sbom["components"] if c["purl"].startswith(f"pkg:{purl_type}/")]


def test_is_valid_cyclonedx(members: dict[str, bytes]) -> None:
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(members[SBOM_NAME].decode())
    assert errors is None, errors


def test_every_file_is_one_components(members: dict[str, bytes], sbom: dict[str, Any]) -> None:
    claimed = [o["location"] for c in sbom["components"] for o in c["evidence"]["occurrences"]]
    assert len(claimed) == len(set(claimed)), "a file claimed by two components"
    assert set(claimed) == set(members)


def test_every_component_has_a_version_and_a_licence(sbom: dict[str, Any]) -> None:
    for component in sbom["components"]:
        assert component["version"], component["name"]
        assert component["licenses"], component["name"]
    print(f"SBOM components: {len(sbom['components'])}")


def test_python_packages_are_the_bundled_distributions(
    members: dict[str, bytes], sbom: dict[str, Any]
) -> None:
    """Each `*.dist-info/METADATA` in the bundle is a pypi component of that name and
    version, and no pypi component is missing from the bundle."""
    shipped = {}
    for name, content in members.items():
        if name.endswith(".dist-info/METADATA"):
            meta = email.message_from_bytes(content)
            shipped[str(meta["Name"]).lower().replace("_", "-")] = str(meta["Version"])
    listed = {c["name"].lower().replace("_", "-"): c["version"] for c in by_kind(sbom, "pypi")}
    assert shipped
    # a distribution may ship no METADATA (of cffi only its C backend is bundled)
    assert shipped.items() <= listed.items()
    for component in by_kind(sbom, "pypi"):
        assert component["evidence"]["occurrences"], component["name"]


def test_libpython_and_the_plugin(sbom: dict[str, Any]) -> None:
    cpython = next(c for c in sbom["components"] if c["name"] == "cpython")
    assert cpython["version"] == platform.python_version()
    files = {o["location"] for o in cpython["evidence"]["occurrences"]}
    assert any(f.startswith(f"{BUNDLE_DIR}/lib/libpython") for f in files)
    plugin = next(c for c in sbom["components"] if c["name"] == "k8smeta")
    assert plugin["version"] == k8smeta.__version__
    files = {o["location"] for o in plugin["evidence"]["occurrences"]}
    assert {"libk8smeta.so", SBOM_NAME} <= files


def test_fallback_libraries_carry_their_debian_package(
    members: dict[str, bytes], sbom: dict[str, Any]
) -> None:
    libs = {n for n in members if n.startswith(f"{BUNDLE_DIR}/lib/lib") and "/python" not in n}
    debs = by_kind(sbom, "deb")
    owned = {o["location"]: c for c in debs for o in c["evidence"]["occurrences"]}
    assert {n for n in libs if "libpython" not in n} == set(owned)
    for component in debs:
        installed = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", component["name"]],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert component["version"] == installed


def test_sbom_and_sums_beside_the_tarball(tarball: Path, members: dict[str, bytes]) -> None:
    beside = sbom_name(tarball)
    if not beside.exists():
        pytest.skip("a tarball given without its SBOM")
    assert beside.read_bytes() == members[SBOM_NAME]
    lines = (tarball.parent / "SHA256SUMS").read_text().splitlines()
    sums = {name: digest for digest, name in (line.split("  ", 1) for line in lines)}
    assert sums == {tarball.name: sha256_file(tarball), beside.name: sha256_file(beside)}
