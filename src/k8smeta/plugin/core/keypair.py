"""Check a mutual-TLS client certificate chain and private key, and load them for TLS.

A key that does not match its certificate, or a file that is not what its key says, would
fail every handshake with a terse OpenSSL reason deep in the feed thread. These checks run
at init, so such a config fails init with the file named and the reason instead.

The PEM structure is checked here (labels, encryption); the parsing and the key comparison
are OpenSSL's, through the `ssl` module the feed's TLS uses anyway (imported on first use: a
config without mutual TLS never needs it here). `SSLContext.load_cert_chain` reads files
only, so the bytes read at init are handed to it through anonymous memory files
(`memfd_create`, opened by their `/proc/self/fd` path), or, where `/proc` is not mounted,
through files in a private temporary directory removed at once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import ssl

#: PEM private key blocks OpenSSL reads as an unencrypted key.
_KEY: Final = re.compile(
    rb"-----BEGIN ((?:RSA |EC )?PRIVATE KEY)-----[A-Za-z0-9+/=\s:,-]*?-----END \1-----"
)
_CERTIFICATE: Final = re.compile(
    rb"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----"
)
_LABEL: Final = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----")
#: OpenSSL's reason when a private key is not the certificate's.
_MISMATCH: Final = "KEY_VALUES_MISMATCH"
_PROC_FD: Final = "/proc/self/fd"


class PemError(Exception):
    """Why a file is not what its key asks for; the message completes "is no ...: "."""


class PairError(Exception):
    """Why a certificate chain and a key that are each well-formed do not make a pair."""


def _labels(data: bytes) -> str:
    found = sorted({label.decode() for label in _LABEL.findall(data)})
    return ", ".join(found)


def certificate_chain(data: bytes) -> int:
    """The number of certificates of a PEM chain; PemError when there is none or one does
    not parse."""
    import ssl

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
    for number, block in enumerate(blocks, start=1):
        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=block.decode())
        except ssl.SSLError as exc:
            raise PemError(f"certificate {number} cannot be parsed ({_reason(exc)})") from None
    return len(blocks)


def private_key(data: bytes) -> str:
    """The label of the first unencrypted PEM private key block of `data` (its content is
    checked with the certificate, by `check_pair`); PemError otherwise."""
    if not data.strip():
        raise PemError("the file is empty")
    match = _KEY.search(data)
    if match is None:
        if b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data or b"Proc-Type: 4,ENCRYPTED" in data:
            raise PemError("the key is encrypted (the plugin needs an unencrypted key)")
        labels = _labels(data)
        raise PemError(
            f"the file holds no PEM private key (it holds {labels})"
            if labels
            else "the file holds no PEM private key"
        )
    if b"ENCRYPTED" in match.group(0):
        raise PemError("the key is encrypted (the plugin needs an unencrypted key)")
    return match.group(1).decode()


def check_pair(chain: bytes, key: bytes) -> None:
    """Load the pair into a throwaway context: PemError when OpenSSL cannot read the key,
    PairError when the key is not the certificate's."""
    import ssl

    label = private_key(key)
    try:
        load_pair(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), chain, key)
    except ssl.SSLError as exc:
        if exc.reason == _MISMATCH:
            raise PairError("their public keys differ") from None
        raise PemError(f"its {label} block is not a valid private key") from None


def load_pair(context: ssl.SSLContext, chain: bytes, key: bytes) -> None:
    """`context.load_cert_chain` from bytes (ssl.SSLError as it raises it)."""
    with _as_files(chain, key) as (chain_path, key_path):
        context.load_cert_chain(chain_path, key_path)


@contextmanager
def _as_files(*contents: bytes) -> Iterator[list[str]]:
    """Paths OpenSSL can open holding `contents`, valid inside the block."""
    if os.path.isdir(_PROC_FD) and hasattr(os, "memfd_create"):
        fds = [os.memfd_create("k8smeta-tls", os.MFD_CLOEXEC) for _ in contents]
        try:
            for fd, content in zip(fds, contents, strict=True):
                _write_all(fd, content)
            yield [f"{_PROC_FD}/{fd}" for fd in fds]
        finally:
            for fd in fds:
                os.close(fd)
        return
    import tempfile  # 1 MB of imports (shutil, random): only where /proc is missing

    with tempfile.TemporaryDirectory(prefix="k8smeta-tls-") as directory:
        paths = [os.path.join(directory, str(n)) for n in range(len(contents))]
        for path, content in zip(paths, contents, strict=True):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            try:
                _write_all(fd, content)
            finally:
                os.close(fd)
        yield paths


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view) :]


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason).lower().replace("_", " ") if reason else str(exc)
