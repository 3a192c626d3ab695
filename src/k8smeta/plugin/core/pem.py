"""Check that a `caPEMBundle` holds root certificates before the feed trusts it for TLS.

gRPC treats an empty root bundle as "no TLS", and one without a parsable certificate fails
only at the first connection, inside the feed thread. Checking at init turns both into an
init failure whose last error names the file (docs/configuration.md, `caPEMBundle`).
The stdlib's `ssl` parses the certificates: pure Python as far as this package is
concerned (no cffi, gRPC or protobuf).
"""

from __future__ import annotations

import re
import ssl

#: One PEM certificate block, as OpenSSL's PEM reader accepts them for X.509 roots.
_CERTIFICATE = re.compile(
    rb"-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----[A-Za-z0-9+/=\s]*?"
    rb"-----END (?:TRUSTED |X509 )?CERTIFICATE-----"
)


def bundle_problem(data: bytes) -> str | None:
    """Why `data` is no usable PEM root bundle, or None when it holds certificates.

    Text outside the certificate blocks (comments, as in many distribution bundles, even
    non-ASCII ones) is ignored, as OpenSSL's reader does.
    """
    if not data.strip():
        return "the file is empty"
    blocks = _CERTIFICATE.findall(data)
    if not blocks:
        return "the file holds no PEM certificate"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cadata=b"\n".join(blocks).decode("ascii"))
    except (ssl.SSLError, ValueError) as exc:
        return f"a PEM certificate in the file cannot be parsed ({exc})"
    return None
