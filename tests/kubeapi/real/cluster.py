"""etcd, kube-apiserver and kube-controller-manager as child processes on free loopback ports.

The API server runs as in a cluster: TLS, client certificates, RBAC and Node authorizers, a
service-account signing key, the default admission plugins plus NodeRestriction. There is
no scheduler and no kubelet: tests bind pods themselves (the `binding` subresource, or
`spec.nodeName`) and write pod status through the `status` subresource. The controller
manager runs every controller but node lifecycle, which would taint and evict the pods of
nodes that never report (no kubelet).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.kubeapi.real import pki as pki_mod
from tests.kubeapi.real.binaries import Binaries

ROOT = Path(__file__).resolve().parents[3]
RBAC = ROOT / "deploy" / "collector" / "rbac.yaml"
START_TIMEOUT = 120.0
SERVICE_CIDR = "10.96.0.0/16"
LOG_TAIL = 4000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Component:
    """One child process, its output in `log`."""

    name: str
    argv: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            out.write(f"--- start {time.strftime('%H:%M:%S')}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.process = None

    def signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        os.kill(self.process.pid, sig)

    def tail(self) -> str:
        if not self.log.exists():
            return ""
        data = self.log.read_bytes()[-LOG_TAIL:]
        return data.decode(errors="replace")


@dataclass
class ControlPlane:
    """The three components, the PKI, and kubeconfigs for the admin and for service accounts."""

    binaries: Binaries
    folder: Path
    pki: pki_mod.Pki = field(init=False)
    etcd_port: int = field(init=False)
    port: int = field(init=False)
    components: dict[str, Component] = field(init=False, default_factory=dict)
    _probes: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.pki = pki_mod.make(self.folder / "pki")
        self.etcd_port, peer = free_port(), free_port()
        self.port = free_port()
        p = self.pki
        etcd_url, peer_url = f"http://127.0.0.1:{self.etcd_port}", f"http://127.0.0.1:{peer}"
        self._add("etcd", [
            str(self.binaries.etcd), "--name", "k8smeta", "--data-dir", str(self.folder / "etcd"),
            "--listen-client-urls", etcd_url, "--advertise-client-urls", etcd_url,
            "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
            "--initial-cluster", f"k8smeta={peer_url}", "--unsafe-no-fsync",
            "--quota-backend-bytes", str(8 << 30), "--log-level", "warn",
            # as kubeadm runs etcd: the watch cache learns of revisions of other kinds,
            # which is what moves a bookmark past a watcher's resourceVersion
            "--watch-progress-notify-interval", "5s",
        ])  # fmt: skip
        self._add("kube-apiserver", [
            str(self.binaries.apiserver), "--etcd-servers", etcd_url,
            "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
            "--secure-port", str(self.port), "--cert-dir", str(self.folder / "apiserver-certs"),
            "--tls-cert-file", str(p.server.cert), "--tls-private-key-file", str(p.server.key),
            "--client-ca-file", str(p.ca.cert),
            "--authorization-mode", "Node,RBAC", "--enable-admission-plugins", "NodeRestriction",
            "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file", str(p.sa_pub),
            "--service-account-signing-key-file", str(p.sa_key),
            "--service-cluster-ip-range", SERVICE_CIDR, "--allow-privileged",
            # etcd is compacted by the tests that need it, at a revision they choose
            "--etcd-compaction-interval", "0",
            "--endpoint-reconciler-type", "none", "--v", "1",
        ])  # fmt: skip
        kcm_config = self.write_kubeconfig(
            "kcm", {"client-certificate": str(p.controller_manager.cert),
                    "client-key": str(p.controller_manager.key)})  # fmt: skip
        self._add("kube-controller-manager", [
            str(self.binaries.controller_manager), "--kubeconfig", str(kcm_config),
            "--secure-port", "0", "--leader-elect=false", "--use-service-account-credentials",
            "--service-account-private-key-file", str(p.sa_key), "--root-ca-file", str(p.ca.cert),
            "--controllers", "*,-node-lifecycle-controller", "--v", "1",
        ])  # fmt: skip
        self.admin_kubeconfig = self.write_kubeconfig(
            "admin", {"client-certificate": str(p.admin.cert), "client-key": str(p.admin.key)}
        )

    def _add(self, name: str, argv: list[str]) -> None:
        self.components[name] = Component(name, argv, self.folder / f"{name}.log")

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    # --- life cycle -------------------------------------------------------------------

    def start(self, *, controllers: bool = True) -> None:
        """etcd, the API server, deploy/'s RBAC objects and (unless not `controllers`) the
        controller manager, each ready."""
        self.components["etcd"].start()
        self._until("etcd", lambda: self._etcd("/v3/maintenance/status", {}) is not None)
        self.start_apiserver()
        self.apply_rbac()
        if not controllers:
            return
        self.components["kube-controller-manager"].start()
        # the service-account controller runs once the default account exists
        self._until(
            "kube-controller-manager",
            lambda: (
                self.request("GET", "/api/v1/namespaces/default/serviceaccounts/default")
                is not None
            ),
        )

    def start_apiserver(self) -> None:
        self.components["kube-apiserver"].start()
        self._until("kube-apiserver", self.ready)

    def restart_apiserver(self) -> None:
        self.components["kube-apiserver"].stop()
        self.start_apiserver()
        if self.components["kube-controller-manager"].process is not None:
            self._until_controllers_serve()

    def _until_controllers_serve(self) -> None:
        """After an API server restart the controller manager's watches come back with
        client-go's backoff (up to 30 s, longer on a loaded machine): wait until it gives a
        new namespace its `default` ServiceAccount again, so that the next test, which
        creates namespaces, does not pay for the restart."""
        self._probes += 1
        name = f"probe-controllers-{os.getpid()}-{self._probes}"
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}

        def created() -> bool:  # the API server may answer 403 for a moment after its start
            self.create("/api/v1/namespaces", namespace)
            return True

        self._until("kube-apiserver", created)
        self._until(
            "kube-controller-manager",
            lambda: (
                self.request("GET", f"/api/v1/namespaces/{name}/serviceaccounts/default")
                is not None
            ),
        )

    def stop(self) -> None:
        for name in ("kube-controller-manager", "kube-apiserver", "etcd"):
            self.components[name].stop()

    def _until(self, name: str, check: Any) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for component in self.components.values():
                if component.process is not None and not component.running():
                    raise RuntimeError(f"{component.name} exited:\n{component.tail()}")
            with contextlib.suppress(OSError, ValueError):
                if check():
                    return
            time.sleep(0.2)
        raise TimeoutError(
            f"{name} not ready in {START_TIMEOUT} s:\n{self.components[name].tail()}"
        )

    def logs(self) -> str:
        return "\n".join(f"===== {c.name} ({c.log})\n{c.tail()}" for c in self.components.values())

    # --- the API as admin (plain HTTPS; set-up only, the tests use kubernetes_asyncio) -----

    def _ssl(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.pki.ca.cert))
        context.load_cert_chain(str(self.pki.admin.cert), str(self.pki.admin.key))
        return context

    def request(self, method: str, path: str, body: object = None) -> Any:
        """The decoded answer, or None for 404 (other errors raise)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, context=self._ssl(), timeout=10) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

    def ready(self) -> bool:
        request = urllib.request.Request(self.url + "/readyz")
        with urllib.request.urlopen(request, context=self._ssl(), timeout=5) as answer:
            return bool(answer.status == 200)

    def create(self, path: str, body: dict[str, Any]) -> Any:
        try:
            return self.request("POST", path, body)
        except urllib.error.HTTPError as exc:
            if exc.code != 409:  # already there: set-up is idempotent
                raise
            return None

    def apply_rbac(self, source: Path = RBAC) -> None:
        """deploy/'s ServiceAccount, ClusterRole and binding, in a Namespace of their own."""
        docs = [doc for doc in yaml.safe_load_all(source.read_text()) if doc]
        namespaces = {
            doc["metadata"]["namespace"] for doc in docs if "namespace" in doc["metadata"]
        }
        for name in sorted(namespaces):
            self.create("/api/v1/namespaces", {"metadata": {"name": name}})
        for doc in docs:
            self.create(_collection(doc), doc)

    def add_role(self, account: str, rules: list[dict[str, Any]]) -> None:
        """A ServiceAccount `meta-collector/<account>` bound to a ClusterRole of `rules`."""
        ns = "meta-collector"
        self.create(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": account}})
        rbac = "/apis/rbac.authorization.k8s.io/v1"
        self.create(f"{rbac}/clusterroles", {"metadata": {"name": account}, "rules": rules})
        self.create(f"{rbac}/clusterrolebindings", {
            "metadata": {"name": account},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": account},
            "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": ns}],
        })  # fmt: skip

    def service_account_kubeconfig(
        self, account: str = "meta-collector", port: int | None = None
    ) -> Path:
        """A kubeconfig with a token of `meta-collector/<account>` (TokenRequest, 24 h), for
        the API server or a relay in front of it on `port`."""
        path = f"/api/v1/namespaces/meta-collector/serviceaccounts/{account}/token"
        answer = self.request("POST", path, {"spec": {"expirationSeconds": 86400}})
        name = account if port is None else f"{account}-{port}"
        return self.write_kubeconfig(name, {"token": answer["status"]["token"]}, port)

    def write_kubeconfig(self, name: str, user: dict[str, str], port: int | None = None) -> Path:
        server = {"server": f"https://127.0.0.1:{port or self.port}",
                  "certificate-authority": str(self.pki.ca.cert)}  # fmt: skip
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": name,
            "clusters": [{"name": "real", "cluster": server}],
            "users": [{"name": name, "user": user}],
            "contexts": [{"name": name, "context": {"cluster": "real", "user": name}}],
        }  # fmt: skip
        path = self.folder / f"{name}.kubeconfig"
        path.write_text(yaml.safe_dump(config))
        return path

    # --- etcd -------------------------------------------------------------------------

    def _etcd(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.etcd_port}{path}", data=json.dumps(body).encode()
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def etcd_revision(self) -> int:
        answer = self._etcd("/v3/kv/range", {"key": "AA=="})  # any key: the header is the point
        return int(answer["header"]["revision"])

    def etcd_db_bytes(self) -> int:
        """The size of etcd's database file (all revisions: nothing compacts it here)."""
        return int(self._etcd("/v3/maintenance/status", {})["dbSize"])

    def compact(self) -> int:
        """Compacts etcd at its current revision (physically: waits for it); the revision."""
        revision = self.etcd_revision()
        self._etcd("/v3/kv/compaction", {"revision": revision, "physical": True})
        return revision

    @contextlib.contextmanager
    def etcd_paused(self) -> Iterator[None]:
        """etcd stopped (SIGSTOP) for the block: it answers nothing, connections stay open."""
        etcd = self.components["etcd"]
        etcd.signal(signal.SIGSTOP)
        try:
            yield
        finally:
            etcd.signal(signal.SIGCONT)


def _collection(doc: dict[str, Any]) -> str:
    plural = {"ServiceAccount": "serviceaccounts", "ClusterRole": "clusterroles",
              "ClusterRoleBinding": "clusterrolebindings"}[doc["kind"]]  # fmt: skip
    group = doc["apiVersion"]
    base = "/api/v1" if group == "v1" else f"/apis/{group}"
    ns = doc["metadata"].get("namespace")
    return f"{base}/namespaces/{ns}/{plural}" if ns else f"{base}/{plural}"
