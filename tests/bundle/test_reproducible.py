"""Two builds of the bundle from one commit, in two directories, are the same bytes; no path
of the build machine's checkout, virtualenv or build directories is in any file."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from k8smeta.plugin.abi.bundle import BUNDLE_DIR, PYVER, artifact_name, sbom_name
from k8smeta.plugin.abi.bundle_archive import sha256_file
from tests.plugin.abi.conftest import ROOT


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_two_builds_in_two_directories_are_the_same_bytes(
    tarball: Path, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    """The second build runs in a child with another working directory, deeper paths and
    another hash seed than the first (the session's tarball)."""
    where = tmp_path / "second" / "build-directory-with-a-longer-name"
    where.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-m", "k8smeta.plugin.abi.bundle", str(where / "d"), str(where / "s")],
        cwd=where,
        env={**os.environ, "PYTHONHASHSEED": "4242"},
        check=True,
        capture_output=True,
        timeout=900,
    )
    second = where / "d" / artifact_name()
    first_sha, second_sha = sha256_file(tarball), sha256_file(second)
    record_property("tarball_sha256", [first_sha, second_sha])
    print(f"tarball sha256: {first_sha} {second_sha}")
    assert first_sha == second_sha
    if sbom_name(tarball).exists():
        assert sbom_name(tarball).read_bytes() == sbom_name(second).read_bytes()
        sums = (tarball.parent / "SHA256SUMS").read_text()
        assert sums == (where / "d" / "SHA256SUMS").read_text()


def test_members_are_normalized(tarball: Path) -> None:
    epoch = None
    with tarfile.open(tarball) as tar:
        for m in tar.getmembers():
            assert (m.uid, m.gid, m.uname, m.gname) == (0, 0, "", ""), m.name
            assert m.mode in ((0o755,) if m.isdir() else (0o644, 0o755)), m.name
            epoch = m.mtime if epoch is None else epoch
            assert m.mtime == epoch, m.name
    with tarball.open("rb") as f:
        header = f.read(10)
    assert header[3] == 0, "no file name or other optional field in the gzip header"
    assert header[4:8] == b"\0\0\0\0", "no time in the gzip header"


def test_no_build_path_is_in_any_file(
    tarball: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The checkout (and the virtualenv in it), the test's directories and cffi's build
    directory appear in no file: not in the bytecode, not in the library."""
    leaks = [
        os.fsencode(p)
        for p in {str(ROOT), sys.prefix, str(tmp_path_factory.getbasetemp())}
        if p not in ("", "/")
    ]
    leaks.append(b"k8smeta-build-")
    found = []
    with tarfile.open(tarball) as tar:
        for member in tar:
            data = tar.extractfile(member)
            if data is not None:
                content = data.read()
                found += [(member.name, leak) for leak in leaks if leak in content]
    assert not found


def test_bytecode_names_its_source_relative_to_the_plugins_directory(tarball: Path) -> None:
    tag = sys.implementation.cache_tag
    name = f"{BUNDLE_DIR}/lib/{PYVER}/json/__pycache__/__init__.{tag}.opt-2.pyc"
    with tarfile.open(tarball) as tar:
        data = tar.extractfile(name)
        assert data is not None
        code = marshal.loads(data.read()[16:])
    assert code.co_filename == f"{BUNDLE_DIR}/lib/{PYVER}/json/__init__.py"
