"""Check the server's TLS files before gRPC is given them, naming the flag and the file.

gRPC refuses a key that does not match its certificate, or a chain it cannot load, only
when the listener is added, and says no more than that the port could not be added. These
checks run while the flags are read, so the collector exits 2 with the reason.

Parsing, the key comparison and the chain's signatures are `cryptography`'s; the plugin has
its own copy of the file checks (`k8smeta.plugin.core.keypair`): the two programs share
only the wire contract.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)

_CERTIFICATE: Final = re.compile(
    rb"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----"
)
_KEY: Final = re.compile(
    rb"-----BEGIN ((?:RSA |EC )?PRIVATE KEY)-----[A-Za-z0-9+/=\s:,-]*?-----END \1-----"
)


class TlsFileError(ValueError):
    """A TLS file that gRPC could not use; the message names the flag and the file."""


@dataclass(frozen=True, slots=True)
class PemFile:
    """A flag's file and its bytes."""

    flag: str
    path: str
    data: bytes

    def error(self, reason: str) -> TlsFileError:
        return TlsFileError(f"{self.flag} {self.path}: {reason}")


def certificates(pem: PemFile) -> list[x509.Certificate]:
    """Every certificate of the file, in file order; TlsFileError when there is none or one
    does not parse."""
    blocks = _CERTIFICATE.findall(pem.data)
    if not blocks:
        raise pem.error("holds no PEM certificate")
    parsed: list[x509.Certificate] = []
    for number, block in enumerate(blocks, start=1):
        try:
            certificate = x509.load_pem_x509_certificate(block)
            certificate.public_key()
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise pem.error(f"certificate {number} cannot be parsed ({exc})") from None
        parsed.append(certificate)
    return parsed


def private_key(pem: PemFile) -> PrivateKeyTypes:
    """The file's unencrypted private key; TlsFileError otherwise."""
    match = _KEY.search(pem.data)
    if match is None:
        if b"ENCRYPTED" in pem.data:
            raise pem.error("the private key is encrypted (gRPC needs an unencrypted key)")
        raise pem.error("holds no PEM private key")
    if b"ENCRYPTED" in match.group(0):
        raise pem.error("the private key is encrypted (gRPC needs an unencrypted key)")
    try:
        return load_pem_private_key(match.group(0), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        label = match.group(1).decode()
        raise pem.error(f"its {label} block is not a valid private key") from None


def _spki(key: PrivateKeyTypes | x509.Certificate) -> bytes:
    return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _check_chain(pem: PemFile, chain: list[x509.Certificate]) -> None:
    """Each certificate after the first must have issued (and signed) the one before it."""
    for number, (issued, issuer) in enumerate(itertools.pairwise(chain), start=1):
        try:
            issued.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            raise pem.error(
                f"bad chain: certificate {number + 1} did not issue certificate {number}"
                f" (subject {issued.subject.rfc4514_string()!r}, issuer"
                f" {issued.issuer.rfc4514_string()!r}; certificate {number + 1} is"
                f" {issuer.subject.rfc4514_string()!r})"
            ) from None


def check_server_files(cert: PemFile, key: PemFile, client_ca: PemFile | None) -> None:
    """The server chain parses and is in order, the key parses and matches its leaf, the
    client CA holds certificates; TlsFileError naming the first problem."""
    chain = certificates(cert)
    _check_chain(cert, chain)
    if _spki(private_key(key)) != _spki(chain[0]):
        raise key.error(
            f"does not match the certificate in {cert.flag} {cert.path} (their public keys differ)"
        )
    if client_ca is not None:
        certificates(client_ca)
