"""Errors of the Kubernetes side of the collector, as values the callers can report.

Hierarchy::

    KubeError                      anything this package raises on purpose
    ├── KubeConfigError            no usable kubeconfig / in-cluster configuration
    ├── SnapshotError              a --snapshot file is unreadable or not Kubernetes JSON
    ├── TrimError                  one object lacks what the collector needs (object skipped)
    │   └── UndecodableError       one object (or watch line) no decoder takes (skipped alone)
    └── ApiError                   one request to the API server failed
        ├── TransportError         no HTTP answer: refused, reset, timeout, TLS, auth hook
        └── ApiStatusError         an HTTP error status or a watch ERROR event (`status`)
            └── GoneError          410: resourceVersion or continue token too old

The reflector turns `GoneError` into a relist and every other `ApiError` into a backoff;
the CLI prints `KubeConfigError` and `SnapshotError` messages as they are.
"""

from __future__ import annotations

HTTP_GONE = 410


class KubeError(Exception):
    """Base of every error raised on purpose by `k8smeta.collector.kube`."""


class KubeConfigError(KubeError):
    """No usable Kubernetes client configuration."""


class SnapshotError(KubeError):
    """A snapshot file cannot be read or is not a Kubernetes object or List."""


class TrimError(KubeError):
    """An object lacks a field the collector needs, or has one of the wrong type."""


class UndecodableError(TrimError):
    """One list item or watch line that neither decoder takes (invalid UTF-8, a lone
    surrogate, NaN, nesting too deep); the message names the object where readable."""


class ApiError(KubeError):
    """One request to the API server failed."""


class TransportError(ApiError):
    """The request got no HTTP answer (connection refused, reset, timeout, TLS...)."""


class ApiStatusError(ApiError):
    """An HTTP error status, or a watch `ERROR` event carrying a Status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}" if message else f"HTTP {status}")
        self.status = status
        self.message = message


class GoneError(ApiStatusError):
    """410 Gone: the resourceVersion or continue token is too old; relist."""

    def __init__(self, message: str) -> None:
        super().__init__(HTTP_GONE, message)


def status_error(status: int, message: str) -> ApiStatusError:
    """The right `ApiStatusError` subclass for an HTTP status."""
    if status == HTTP_GONE:
        return GoneError(message)
    return ApiStatusError(status, message)
