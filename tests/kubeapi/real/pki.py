"""The cluster's keys and certificates, made with the openssl command line: a CA, the API
server's serving certificate, client certificates (admin, controller manager) and the
service-account signing key."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

SERVER_NAMES = ("IP:127.0.0.1", "DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default",
                "DNS:kubernetes.default.svc", "IP:10.96.0.1")  # fmt: skip


@dataclass(frozen=True)
class Pair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    ca: Pair
    server: Pair
    admin: Pair
    controller_manager: Pair
    sa_key: Path
    sa_pub: Path


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _key(path: Path) -> None:
    _openssl(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path)
    )


def _issue(folder: Path, name: str, ca: Pair, subject: str, extensions: list[str]) -> Pair:
    pair = Pair(folder / f"{name}.crt", folder / f"{name}.key")
    _key(pair.key)
    ext_args = [arg for ext in extensions for arg in ("-addext", ext)]
    signed_by = ["-CA", str(ca.cert), "-CAkey", str(ca.key)]
    _openssl("req", "-x509", "-new", "-key", str(pair.key), "-subj", subject, "-days", "7",
             *signed_by, *ext_args, "-out", str(pair.cert))  # fmt: skip
    return pair


def make(folder: Path) -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    ca = Pair(folder / "ca.crt", folder / "ca.key")
    _key(ca.key)
    _openssl("req", "-x509", "-new", "-key", str(ca.key), "-subj", "/CN=k8smeta-test-ca",
             "-days", "7", "-out", str(ca.cert))  # fmt: skip
    client = ["extendedKeyUsage=clientAuth", "basicConstraints=critical,CA:FALSE"]
    server = _issue(folder, "apiserver", ca, "/CN=kube-apiserver",
                    ["extendedKeyUsage=serverAuth", "basicConstraints=critical,CA:FALSE",
                     "subjectAltName=" + ",".join(SERVER_NAMES)])  # fmt: skip
    admin = _issue(folder, "admin", ca, "/O=system:masters/CN=k8smeta-admin", client)
    kcm = _issue(folder, "kcm", ca, "/CN=system:kube-controller-manager", client)
    sa_key, sa_pub = folder / "sa.key", folder / "sa.pub"
    _openssl(
        "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(sa_key)
    )
    _openssl("pkey", "-in", str(sa_key), "-pubout", "-out", str(sa_pub))
    return Pki(ca, server, admin, kcm, sa_key, sa_pub)
