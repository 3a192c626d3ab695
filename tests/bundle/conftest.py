"""Fixtures of the bundle test: the tarball, root file systems without Python, the C host.

`make test-bundle` sets K8SMETA_REQUIRE_BUNDLE_TEST=1: then a root file system that cannot
be built fails the test instead of skipping it. K8SMETA_BUNDLE names a tarball already
built (`make bundle`); without it the test builds one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from k8smeta.plugin.abi.bundle import artifact_name, make_bundle
from tests.bundle.registry import running_registry
from tests.plugin.abi.conftest import C_SOURCES, ROOT, compile_c

HERE = Path(__file__).parent


#: Seconds a test that uses the tarball may take: the first one builds it (about 40 s on an
#: idle 2-core machine; several times that on a loaded one), within the test's time limit.
BUILD_TIMEOUT = 600


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tarball's build counts toward the time limit of whichever test asks first."""
    for item in items:
        if "tarball" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "timeout"
        ):
            item.add_marker(pytest.mark.timeout(BUILD_TIMEOUT))


def unavailable(reason: str) -> None:
    """Skip with `reason`, or fail when the bundle test is required."""
    if os.environ.get("K8SMETA_REQUIRE_BUNDLE_TEST") == "1":
        pytest.fail(f"the bundle test cannot run: {reason}")
    pytest.skip(f"the bundle test cannot run: {reason}")


@pytest.fixture(scope="session")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("K8SMETA_BUNDLE")
    if given:
        return Path(given).resolve()
    out = tmp_path_factory.mktemp("bundle")
    built = make_bundle(out / "dist", out / "stage")
    assert built.name == artifact_name()
    return built


@pytest.fixture(scope="session")
def debian_root() -> Path:
    """The cached minimal Debian root file system (no Python), built on first use."""
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "debian_rootfs.sh")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode == 3:
        unavailable(
            proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no reason given"
        )
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip())


@pytest.fixture(scope="session")
def glibc_root(debian_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root file system holding glibc (Debian's libc6 package) and the random and null
    devices, nothing else: no libstdc++, no libgcc_s, no zlib, no shell."""
    root = tmp_path_factory.mktemp("glibc-root")
    (root / "dev").mkdir()
    for device in ("null", "zero", "random", "urandom"):
        st = os.lstat(debian_root / "dev" / device)
        os.mknod(root / "dev" / device, st.st_mode, st.st_rdev)
    files = subprocess.run(
        ["chroot", str(debian_root), "dpkg-query", "-L", "libc6"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/usr/sbin:/bin:/sbin"},
    ).stdout.split()
    for top in ("bin", "lib", "lib64", "sbin"):  # merged /usr: the loader's path uses them
        link = debian_root / top
        if link.is_symlink():
            (root / os.readlink(link)).mkdir(parents=True, exist_ok=True)
            (root / top).symlink_to(os.readlink(link))
    for name in files:
        source = debian_root / name.lstrip("/")
        if source.is_dir() and not source.is_symlink():
            continue
        target = root / name.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not os.path.lexists(target):
            shutil.copy2(source, target, follow_symlinks=False)
    return root


@pytest.fixture(scope="session")
def bundle_host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/bundle/bundle_host.c with the shared fake libsinsp, linked against glibc only."""
    out = tmp_path_factory.mktemp("bundle-host")
    return compile_c(out, "bundle_host", [HERE / "bundle_host.c", C_SOURCES / "fakesinsp.c"])


def required_here(reason: str) -> None:
    """Fail where the set-up installs what is missing (root with apt-get: CI, `make test` as
    root) or where the test is required; skip elsewhere with the reason."""
    if os.geteuid() == 0 or os.environ.get("CI") or os.environ.get("K8SMETA_REQUIRE_BUNDLE_TEST"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def registry_binary() -> Path:
    """Debian's docker-registry (scripts/ensure_system_packages.sh installs it as root)."""
    found = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    if not Path(found).is_file():
        required_here("docker-registry is not installed (apt-get install docker-registry)")
    return Path(found)


@pytest.fixture
def registry(registry_binary: Path, tmp_path: Path) -> Iterator[str]:
    """A fresh registry on 127.0.0.1 for one test; yields `127.0.0.1:<port>`."""
    with running_registry(registry_binary, tmp_path / "registry") as address:
        yield address
