"""Pack a directory tree into a tarball that is the same bytes wherever and whenever it is built.

What varies between two builds of the same commit, and how each is fixed here:
- member order: directories are walked sorted by name, each directory before its members;
- owners: uid and gid 0, no user or group names;
- modes: 0755 for directories and for files any execute bit is set on, 0644 otherwise;
- times: every member's mtime is `SOURCE_DATE_EPOCH` (default: the last commit's time);
- compression: gzip at level 9 with no file name and a zero mtime in its header.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import stat
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

FILE_MODE = 0o644
EXEC_MODE = 0o755


def source_date_epoch(source: Path) -> int:
    """`SOURCE_DATE_EPOCH` if set, else the committer time of the last commit of `source`."""
    given = os.environ.get("SOURCE_DATE_EPOCH")
    if given:
        if not given.isdigit():
            raise SystemExit(f"SOURCE_DATE_EPOCH must be a number of seconds, not {given!r}")
        return int(given)
    proc = subprocess.run(
        ["git", "-C", str(source), "log", "-1", "--format=%ct"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    if proc.returncode != 0 or not proc.stdout.strip().isdigit():
        raise SystemExit(
            f"{source} is not a git checkout: set SOURCE_DATE_EPOCH to the release's time"
        )
    return int(proc.stdout.strip())


def walk(stage: Path) -> Iterator[Path]:
    """Every directory and file under `stage`, sorted, each directory before its members;
    anything else (a symlink, a device) is refused: falcoctl unpacks regular files only."""
    for entry in sorted(stage.iterdir(), key=lambda p: p.name):
        if entry.is_symlink() or not (entry.is_dir() or entry.is_file()):
            raise SystemExit(f"{entry}: only regular files and directories can be bundled")
        yield entry
        if entry.is_dir():
            yield from walk(entry)


def member(path: Path, name: str, epoch: int) -> tarfile.TarInfo:
    """The normalized tar header of `path` stored as `name`."""
    info = tarfile.TarInfo(name)
    info.mtime = epoch
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if path.is_dir():
        info.type = tarfile.DIRTYPE
        info.mode = EXEC_MODE
    else:
        info.type = tarfile.REGTYPE
        info.size = path.stat().st_size
        executable = path.stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        info.mode = EXEC_MODE if executable else FILE_MODE
    return info


def write_tarball(stage: Path, output: Path, epoch: int) -> Path:
    """Pack the members of `stage` (names relative to it) into `output`, a .tar.gz."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with (
        partial.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in walk(stage):
            name = path.relative_to(stage).as_posix()
            if ".." in name:
                raise SystemExit(f"falcoctl refuses member names holding '..': {name}")
            info = member(path, name, epoch)
            if info.isdir():
                tar.addfile(info)
            else:
                with path.open("rb") as data:
                    tar.addfile(info, data)
    partial.replace(output)
    return output


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sha256sums(directory: Path, files: list[Path]) -> Path:
    """`SHA256SUMS` in `directory` for `files` (in that directory), as `sha256sum -c` reads
    it: one `<hex>  <name>` line each, sorted by name."""
    lines = [f"{sha256_file(f)}  {f.name}\n" for f in sorted(files, key=lambda f: f.name)]
    target = directory / "SHA256SUMS"
    target.write_text("".join(lines))
    return target
