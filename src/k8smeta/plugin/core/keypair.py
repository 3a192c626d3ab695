"""Check a mutual-TLS client certificate chain and private key before gRPC is given them.

gRPC's C core aborts the whole process when it is handed an empty or unparsable key or
chain, and a key that does not match its certificate fails every handshake with only
"Failed to create security handshaker". These checks run at init, so such a config fails
init with the reason instead.

The parsing and the key comparison are done by `cryptography` (imported on first use: a
config without mutual TLS never loads it). It needs no `ssl` module, so it works in the
self-contained plugin runtime too (docs/install-bundle.md).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
    from cryptography.x509 import Certificate

#: PEM private key blocks BoringSSL (gRPC's TLS library) reads as an unencrypted key.
_KEY: Final = re.compile(
    rb"-----BEGIN ((?:RSA |EC )?PRIVATE KEY)-----[A-Za-z0-9+/=\s:,-]*?-----END \1-----"
)
_CERTIFICATE: Final = re.compile(
    rb"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----"
)
_LABEL: Final = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----")


class PemError(Exception):
    """Why a file is not what its key asks for; the message completes "is no ...: "."""


def _labels(data: bytes) -> str:
    found = sorted({label.decode() for label in _LABEL.findall(data)})
    return ", ".join(found)


def certificate_chain(data: bytes) -> list[Certificate]:
    """The certificates of a PEM chain, leaf first; PemError when there is none or one
    does not parse."""
    from cryptography import x509

    if not data.strip():
        raise PemError("the file is empty")
    blocks = _CERTIFICATE.findall(data)
    if not blocks:
        labels = _labels(data)
        raise PemError(
            f"the file holds no PEM certificate (it holds {labels})"
            if labels
            else "the file holds no PEM certificate"
        )
    chain: list[Certificate] = []
    for number, block in enumerate(blocks, start=1):
        try:
            certificate = x509.load_pem_x509_certificate(block)
            certificate.public_key()
        except (ValueError, TypeError) as exc:
            raise PemError(f"certificate {number} cannot be parsed ({exc})") from None
        chain.append(certificate)
    return chain


def private_key(data: bytes) -> PrivateKeyTypes:
    """The first unencrypted PEM private key of `data`; PemError otherwise."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if not data.strip():
        raise PemError("the file is empty")
    match = _KEY.search(data)
    if match is None:
        if b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data or b"Proc-Type: 4,ENCRYPTED" in data:
            raise PemError("the key is encrypted (gRPC needs an unencrypted key)")
        labels = _labels(data)
        raise PemError(
            f"the file holds no PEM private key (it holds {labels})"
            if labels
            else "the file holds no PEM private key"
        )
    if b"ENCRYPTED" in match.group(0):
        raise PemError("the key is encrypted (gRPC needs an unencrypted key)")
    label = match.group(1).decode()
    try:
        return load_pem_private_key(match.group(0), password=None)
    except (ValueError, TypeError):
        raise PemError(f"its {label} block is not a valid private key") from None
    except UnsupportedAlgorithm as exc:
        raise PemError(f"its {label} block holds an unsupported key ({exc})") from None


def key_matches(certificate: Certificate, key: PrivateKeyTypes) -> bool:
    """Whether `key` is the private half of the certificate's public key."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    spki = Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    ours = key.public_key().public_bytes(*spki)
    theirs = certificate.public_key().public_bytes(*spki)
    return ours == theirs
