"""Bind addresses in upstream's `host:port` form, where `:PORT` means every interface."""

from __future__ import annotations

from dataclasses import dataclass


class AddressError(ValueError):
    """A bind address that is not `[host]:port` with a port in 0..65535."""


@dataclass(frozen=True, slots=True)
class BindAddress:
    host: str | None  # None = every interface
    port: int

    @property
    def grpc_target(self) -> str:
        host = self.host if self.host is not None else "[::]"
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{host}:{self.port}"


def parse_bind_address(text: str) -> BindAddress:
    """`:45000` -> every interface; `127.0.0.1:0` -> loopback, ephemeral port."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise AddressError(f"invalid bind address {text!r}: expected [host]:port")
    host = host.strip("[]")
    return BindAddress(host or None, int(port_text))
