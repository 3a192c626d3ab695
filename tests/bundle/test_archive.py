"""The tarball writer: what a build machine varies (times, owners, modes, creation order)
does not reach the bytes; what falcoctl refuses is refused."""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from k8smeta.plugin.abi.bundle_archive import source_date_epoch, write_sha256sums, write_tarball

EPOCH = 1_700_000_000


def make_tree(root: Path, *, order: list[str], mtime: int, mode: int) -> Path:
    """The same files, created in `order`, with other times and modes."""
    contents = {"b/lib.so": b"\x7fELF", "a.txt": b"alpha", "b/c/deep.py": b"x = 1\n"}
    for name in order:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(contents[name])
        path.chmod(mode | (0o111 if name.endswith(".so") else 0))
        os.utime(path, (mtime, mtime))
    return root


def test_same_bytes_from_different_trees(tmp_path: Path) -> None:
    one = make_tree(
        tmp_path / "one", order=["a.txt", "b/lib.so", "b/c/deep.py"], mtime=1, mode=0o600
    )
    two = make_tree(
        tmp_path / "two" / "deeper",
        order=["b/c/deep.py", "b/lib.so", "a.txt"],
        mtime=2_000_000_000,
        mode=0o664,
    )
    first = write_tarball(one, tmp_path / "out1" / "x.tar.gz", EPOCH)
    second = write_tarball(two, tmp_path / "out2" / "x.tar.gz", EPOCH)
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        members = [(m.name, m.mode, m.mtime, m.uid, m.uname) for m in tar.getmembers()]
    assert members == [
        ("a.txt", 0o644, EPOCH, 0, ""),
        ("b", 0o755, EPOCH, 0, ""),
        ("b/c", 0o755, EPOCH, 0, ""),
        ("b/c/deep.py", 0o644, EPOCH, 0, ""),
        ("b/lib.so", 0o755, EPOCH, 0, ""),
    ]


def test_another_epoch_is_other_bytes(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "t", order=["a.txt"], mtime=1, mode=0o644)
    first = write_tarball(tree, tmp_path / "1.tar.gz", EPOCH).read_bytes()
    second = write_tarball(tree, tmp_path / "2.tar.gz", EPOCH + 1).read_bytes()
    assert first != second


def test_symlinks_are_refused(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "t", order=["a.txt"], mtime=1, mode=0o644)
    (tree / "link").symlink_to("a.txt")
    with pytest.raises(SystemExit, match="only regular files and directories"):
        write_tarball(tree, tmp_path / "x.tar.gz", EPOCH)


@pytest.mark.parametrize(("given", "expected"), [("1234", 1234), ("0", 0)])
def test_source_date_epoch_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, given: str, expected: int
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", given)
    assert source_date_epoch(tmp_path) == expected


def test_without_git_or_epoch_the_build_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    with pytest.raises(SystemExit, match="SOURCE_DATE_EPOCH"):
        source_date_epoch(tmp_path)


def test_sha256sums_is_what_sha256sum_checks(tmp_path: Path) -> None:
    (tmp_path / "b.tar.gz").write_bytes(b"tarball")
    (tmp_path / "a.cdx.json").write_bytes(b"{}")
    sums = write_sha256sums(tmp_path, [tmp_path / "b.tar.gz", tmp_path / "a.cdx.json"])
    check = subprocess.run(
        ["sha256sum", "-c", sums.name], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.splitlines() == ["a.cdx.json: OK", "b.tar.gz: OK"]
    (tmp_path / "b.tar.gz").write_bytes(b"tampered")
    assert subprocess.run(
        ["sha256sum", "-c", sums.name], check=False, cwd=tmp_path, capture_output=True
    ).returncode
