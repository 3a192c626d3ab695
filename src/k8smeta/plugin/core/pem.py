"""Check that a `caPEMBundle` holds root certificates before the feed trusts it for TLS.

gRPC treats an empty root bundle as "no TLS", and one without a parsable certificate fails
only at the first connection, inside the feed thread. Checking at init turns both into an
init failure whose last error names the file (docs/configuration.md, `caPEMBundle`).

The check is structural (strict base64, then the DER shape of an X.509 certificate: a
SEQUENCE whose length is the block's, opening with the tbsCertificate SEQUENCE); gRPC's own
TLS stack verifies the certificates when it connects. It needs no `ssl` module, so the
self-contained plugin runtime (docs/install-bundle.md) can leave OpenSSL's binding out.
"""

from __future__ import annotations

import binascii
import re

#: One PEM certificate block, as OpenSSL's PEM reader accepts them for X.509 roots.
_CERTIFICATE = re.compile(
    rb"-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----([A-Za-z0-9+/=\s]*?)"
    rb"-----END (?:TRUSTED |X509 )?CERTIFICATE-----"
)
_DER_SEQUENCE = 0x30
_WHITESPACE = re.compile(rb"\s+")


def bundle_problem(data: bytes) -> str | None:
    """Why `data` is no usable PEM root bundle, or None when it holds certificates.

    Text outside the certificate blocks (comments, as in many distribution bundles, even
    non-ASCII ones) is ignored, as OpenSSL's reader does.
    """
    if not data.strip():
        return "the file is empty"
    bodies = _CERTIFICATE.findall(data)
    if not bodies:
        return "the file holds no PEM certificate"
    for number, body in enumerate(bodies, start=1):
        problem = _der_problem(_WHITESPACE.sub(b"", body))
        if problem is not None:
            return (
                f"a PEM certificate in the file cannot be parsed (certificate {number}: {problem})"
            )
    return None


def _der_problem(encoded: bytes) -> str | None:
    try:
        der = binascii.a2b_base64(encoded, strict_mode=True)
    except binascii.Error as exc:
        return f"bad base64: {exc}"
    outer = _sequence(der, 0)
    if outer is None or outer[1] != len(der):
        return "not a DER certificate"
    if _sequence(der, outer[0]) is None:
        return "no tbsCertificate"
    return None


def _sequence(der: bytes, at: int) -> tuple[int, int] | None:
    """(content start, end) of the DER SEQUENCE at `at`, or None when there is none."""
    if at + 2 > len(der) or der[at] != _DER_SEQUENCE:
        return None
    first = der[at + 1]
    if first < 0x80:
        start, length = at + 2, first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or at + 2 + count > len(der):
            return None
        start = at + 2 + count
        length = int.from_bytes(der[at + 2 : start], "big")
    end = start + length
    return None if end > len(der) else (start, end)
