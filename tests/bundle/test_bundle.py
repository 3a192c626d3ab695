"""The bundle is self-contained: unpacked anywhere in a root file system without Python, its
libk8smeta.so starts, syncs from a collector over gRPC and extracts every field.

Each case runs the C host under chroot with an empty environment, once where the tarball
was unpacked and once after the unpacked tree moved to another path, in a minimal Debian
(debootstrap) and in a root holding glibc alone, for both dlopen modes Falco versions use.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tarfile
import uuid
from pathlib import Path

import grpc
import orjson
import pytest

from k8smeta.plugin.abi.bundle import BUNDLE_DIR, artifact_name
from k8smeta.plugin.core.fields import FIELDS, Arg
from tests.bundle.runner import (
    Outcome,
    Request,
    install_host,
    recorded_collector,
    run_host,
    run_in_root,
    unpack,
)
from tests.collector.rpc.certs import Certificates, make_certificates
from tests.host.base import render
from tests.plugin.abi.conftest import C_SOURCES, compile_c, run_c_host
from tests.plugin.behaviour.test_fixture_values import DELETED, EXPECTED, METRICS_SERVER

REQUESTS = [Request(uid, field) for uid, field, _ in EXPECTED] + [
    # a deleted pod: no field has a value
    Request(DELETED, f.name + ("[app]" if f.arg is Arg.KEY else ""))
    for f in FIELDS
]
WANTED = [expected for _, _, expected in EXPECTED] + [None] * len(FIELDS)
IS_LIST = {f.name: f.is_list for f in FIELDS}
SEV_ERROR = 3  # ss_plugin_log_severity


def check_outcome(outcome: Outcome) -> None:
    got = [
        render(values, IS_LIST[r.field.partition("[")[0]])
        for r, values in zip(REQUESTS, outcome.extracted, strict=True)
    ]
    assert got == WANTED
    assert outcome.values["synced_events"] == "43"
    assert outcome.values["metric.async_events_received"] == "43"
    assert outcome.values["metric.resources_pod"] == "10"
    assert outcome.values["metric.parse_errors"] == "0"
    assert outcome.values["done"] == "ok"
    assert outcome.severities, "the plugin logs through the host"
    assert min(outcome.severities) > SEV_ERROR, "no error, critical or fatal log"


def test_every_field_is_requested_for_one_pod() -> None:
    names = {r.field.partition("[")[0] for r in REQUESTS if r.uid == METRICS_SERVER}
    assert names == {f.name for f in FIELDS}


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["lazy", "local-now"])
@pytest.mark.parametrize("root_kind", ["debian-minbase", "glibc-only"])
def test_runs_in_a_root_without_python(
    request: pytest.FixtureRequest, tarball: Path, bundle_host: Path, mode: str, root_kind: str
) -> None:
    root: Path = request.getfixturevalue(
        "debian_root" if root_kind == "debian-minbase" else "glibc_root"
    )
    assert not list(root.glob("usr/bin/python*"))
    assert not list(root.glob("usr/lib/**/libpython*"))
    work = root / "opt" / f"k8smeta-test-{uuid.uuid4().hex[:12]}"
    try:
        host = install_host(bundle_host, work)
        library = unpack(tarball, work / "plugins")
        with recorded_collector() as port:
            check_outcome(run_in_root(root, host, library, mode=mode, port=port, requests=REQUESTS))
        moved = work / "elsewhere" / "deeper"
        moved.parent.mkdir()
        (work / "plugins").rename(moved)
        with recorded_collector() as port:
            check_outcome(
                run_in_root(
                    root, host, moved / "libk8smeta.so", mode=mode, port=port, requests=REQUESTS
                )
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _server_credentials(certificates: Certificates) -> grpc.ServerCredentials:
    """Mutual TLS: the server's pair, and client certificates signed by the CA required."""
    return grpc.ssl_server_credentials(
        [(certificates.read("server.key"), certificates.read("server.crt"))],
        root_certificates=certificates.read("ca.crt"),
        require_client_auth=True,
    )


def _install_tls(certificates: Certificates, work: Path) -> Path:
    tls = work / "tls"
    tls.mkdir()
    for name in ("ca.crt", "client.crt", "client.key"):
        shutil.copy2(certificates.path(name), tls / name)
    return tls


@pytest.mark.slow
def test_streams_over_mutual_tls_on_the_bundled_openssl(
    glibc_root: Path, tarball: Path, bundle_host: Path, tmp_path: Path
) -> None:
    """The glibc-only root has no libssl: the bundle's fallback libssl and libcrypto carry
    the key check at init and the TLS handshake of the feed (`ssl` under grpclib)."""
    assert not list(glibc_root.glob("**/libssl.so*"))
    certificates = make_certificates(tmp_path)
    work = glibc_root / "opt" / f"k8smeta-test-{uuid.uuid4().hex[:12]}"
    try:
        host = install_host(bundle_host, work)
        library = unpack(tarball, work / "plugins")
        tls = _install_tls(certificates, work)
        with recorded_collector(_server_credentials(certificates)) as port:
            outcome = run_in_root(
                glibc_root, host, library, mode="local-now", port=port, requests=REQUESTS, tls=tls
            )
        check_outcome(outcome)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.slow
def test_glibc_root_needs_the_bundled_fallback_libraries(
    glibc_root: Path, tarball: Path, bundle_host: Path, tmp_path: Path
) -> None:
    """Negative control: without the bundled libssl the glibc-only root cannot load `ssl`,
    so the passing case above used the bundle's copy; init says so, and never crashes."""
    certificates = make_certificates(tmp_path)
    work = glibc_root / "opt" / f"k8smeta-test-{uuid.uuid4().hex[:12]}"
    try:
        host = install_host(bundle_host, work)
        library = unpack(tarball, work / "plugins")
        (library.parent / "k8smeta-runtime" / "lib" / "libssl.so.3").unlink()
        tls = _install_tls(certificates, work)
        with recorded_collector(_server_credentials(certificates)) as port:
            proc = run_host(
                glibc_root, host, library, mode="local-now", port=port, requests=[], tls=tls
            )
        assert proc.returncode == 1, proc.stderr[-2000:]  # an orderly failure, not a signal
        assert "error=init failed: mutual TLS cannot be checked: " in proc.stdout
        assert "libssl.so.3" in proc.stdout
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_tarball_is_a_falcoctl_plugin_artifact(tarball: Path) -> None:
    """falcoctl unpacks the members into the plugins directory as they are: regular files
    and directories only, each directory before its members, no `..` in any name."""
    with tarfile.open(tarball) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert tarball.name == artifact_name()
    assert {n.split("/")[0] for n in names} == {"libk8smeta.so", BUNDLE_DIR}
    assert all(m.isfile() or m.isdir() for m in members)
    assert not [n for n in names if ".." in n]
    seen: set[str] = set()
    for name in names:
        assert "/" not in name or name.rsplit("/", 1)[0] in seen, name
        seen.add(name)
    assert tarball.stat().st_size < 25_000_000


@pytest.mark.parametrize(
    "left_out",
    [
        "lib/python3.11/test/",
        "lib/python3.11/ensurepip/",
        "lib/python3.11/tkinter/",
        "lib/python3.11/lib-dynload/_testcapi.",
        "lib/python3.11/site-packages/pip/",
        "lib/python3.11/site-packages/setuptools/",
        "lib/python3.11/site-packages/kubernetes_asyncio/",
        "lib/python3.11/site-packages/aiohttp/",
        "lib/python3.11/site-packages/prometheus_client/",
        "lib/python3.11/site-packages/cffi/",
        "lib/python3.11/site-packages/k8smeta/collector/",
        "lib/python3.11/site-packages/k8smeta/plugin/abi/build.py",
        "lib/python3.11/site-packages/pytest",
        "lib/python3.11/site-packages/google/protobuf/testdata/",
        "lib/python3.11/site-packages/grpc/",  # the collector's gRPC; the plugin's is grpclib
        "lib/python3.11/site-packages/cryptography/",  # the key check is OpenSSL's, by `ssl`
        "lib/libstdc++.so.6",  # needed by grpcio only
        "lib/libgcc_s.so.1",
    ],
)
def test_what_the_plugin_never_imports_is_left_out(tarball: Path, left_out: str) -> None:
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    assert not [n for n in names if n.startswith(f"{BUNDLE_DIR}/{left_out}")]


@pytest.mark.parametrize(
    "shipped",
    [
        "lib/python3.11/lib-dynload/_ssl.",
        "lib/python3.11/site-packages/grpclib/client.py",
        "lib/python3.11/site-packages/h2/connection.py",
        "lib/python3.11/site-packages/hpack/",
        "lib/python3.11/site-packages/hyperframe/",
        "lib/python3.11/site-packages/multidict/_multidict.",
        "lib/libssl.so.3",
        "lib/libcrypto.so.3",
    ],
)
def test_what_the_grpc_client_needs_is_shipped(tarball: Path, shipped: str) -> None:
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    assert [n for n in names if n.startswith(f"{BUNDLE_DIR}/{shipped}")]


def test_library_finds_libpython_only_next_to_itself(tarball: Path, tmp_path: Path) -> None:
    library = unpack(tarball, tmp_path / "plugins")
    dynamic = subprocess.run(
        ["readelf", "-d", str(library)], capture_output=True, text=True, check=True
    ).stdout
    runpath = [line for line in dynamic.splitlines() if "(RUNPATH)" in line or "(RPATH)" in line]
    assert len(runpath) == 1
    assert runpath[0].endswith(f"[$ORIGIN/{BUNDLE_DIR}/lib]")
    home = library.parent / BUNDLE_DIR
    pyc = {p.relative_to(home).as_posix() for p in home.rglob("*.pyc")}
    assert pyc, "the bundle ships bytecode: nothing is compiled or written at load"
    # Only the level the library starts its interpreter with (ADR 0010), for every module.
    tag = sys.implementation.cache_tag
    assert {name for name in pyc if not name.endswith(f".{tag}.opt-2.pyc")} == set()
    sources = {p.relative_to(home) for p in home.rglob("*.py")}
    missing = [
        s.as_posix()
        for s in sources
        if (s.parent / "__pycache__" / f"{s.stem}.{tag}.opt-2.pyc").as_posix() not in pyc
    ]
    assert missing == []


@pytest.fixture(scope="module")
def init_env_host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle-init-env")
    return compile_c(out, "init_env", [C_SOURCES / "init_env.c", C_SOURCES / "fakesinsp.c"])


@pytest.mark.parametrize("how", ["missing", "LD_PRELOAD", "LD_LIBRARY_PATH"])
def test_a_shadowed_or_missing_runtime_is_named(
    tarball: Path, tmp_path: Path, init_env_host: Path, how: str
) -> None:
    """Another libpython of the same version bound in place of the bundle's own (the
    bundle's is missing, or one came first): init says so, instead of failing later with
    "No module named '_cffi_backend'"."""
    library = unpack(tarball, tmp_path / "plugins")
    soname = str(sysconfig.get_config_var("INSTSONAME"))
    other = Path(str(sysconfig.get_config_var("LIBDIR"))) / soname  # the build machine's
    own = library.parent / BUNDLE_DIR / "lib" / soname
    start_env = {
        "missing": f"LD_LIBRARY_PATH={other.parent}",
        "LD_PRELOAD": f"LD_PRELOAD={other}",
        "LD_LIBRARY_PATH": f"LD_LIBRARY_PATH={other.parent}",
    }[how]
    if how == "missing":
        own.unlink()
    config = {"collectorHostname": "127.0.0.1", "collectorPort": 45000, "nodeName": "n"}
    values, _ = run_c_host(
        [str(init_env_host), str(library), orjson.dumps(config).decode(), "0"],
        environment=(start_env,),
    )
    assert values["init_rc"] != "0"
    state = "missing" if how == "missing" else "present but not the one in use"
    assert values["last_error"] == (
        f"k8smeta: the bundle's runtime is incomplete or shadowed by {other}"
        f" (the bundle's {BUNDLE_DIR}/lib/{soname} is {state})"
    )


@pytest.mark.slow
def test_mutual_tls_files_are_checked_inside_the_bundle(
    glibc_root: Path, tarball: Path, init_env_host: Path, tmp_path: Path
) -> None:
    """The key/certificate check runs on the bundle's own `ssl` and OpenSSL, with no libssl
    and no /proc in the root: a matching pair passes init, another key fails it."""
    certificates = make_certificates(tmp_path)
    work = glibc_root / "opt" / f"k8smeta-test-{uuid.uuid4().hex[:12]}"
    try:
        host = install_host(init_env_host, work)
        library = unpack(tarball, work / "plugins")
        for name in ("ca.crt", "client.crt", "client.key", "stranger.key"):
            shutil.copy2(certificates.path(name), work / name)
        inside = f"/{work.relative_to(glibc_root)}"
        chroot = shutil.which("chroot") or "/usr/sbin/chroot"
        errors = {}
        for key in ("client.key", "stranger.key"):
            config = {
                "collectorHostname": "127.0.0.1",
                "collectorPort": 45000,
                "nodeName": "n",
                "caPEMBundle": f"{inside}/ca.crt",
                "clientCertPEM": f"{inside}/client.crt",
                "clientKeyPEM": f"{inside}/{key}",
            }
            proc = subprocess.run(
                [chroot, str(glibc_root), f"{inside}/{host.name}",
                 f"{inside}/plugins/{library.name}", orjson.dumps(config).decode(), "0"],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                env={},
            )  # fmt: skip
            values = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
            assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
            errors[key] = (values["init_rc"], values["last_error"])
        assert errors["client.key"] == ("0", "")
        assert errors["stranger.key"][0] != "0"
        assert errors["stranger.key"][1] == (
            f"clientKeyPEM '{inside}/stranger.key' does not match the certificate in"
            f" clientCertPEM '{inside}/client.crt' (their public keys differ)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
