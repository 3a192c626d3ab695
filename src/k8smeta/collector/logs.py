"""Structured logging of the collector: zap-compatible JSON lines (or text) on stderr.

JSON lines carry `level`, `ts` (epoch seconds), `logger`, `msg`, then the record's fields
in call order (docs/configuration.md), compact. Fields are passed as `extra={"fields": {...}}`.
Logger names are shown without the `k8smeta.collector.` prefix, so the logger
`k8smeta.collector.broker.grpc-server` appears as upstream's `broker.grpc-server`.
Nothing is configured at import; `configure_logging` is called by the command only.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

import orjson

PREFIX = "k8smeta.collector."
LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
FORMATS = ("json", "text")
_ZAP_LEVELS = {"WARNING": "warn", "CRITICAL": "fatal"}
_SURROGATE = re.compile("[\ud800-\udfff]")


SHORT = 256  # characters of a client-supplied string (node name, selector key) in a log line


def shorten(text: str, limit: int = SHORT) -> str:
    """`text`, or its first `limit` characters and how long it was: a client must not be
    able to write megabytes into every log line."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}...({len(text)} characters)"


def display_name(name: str) -> str:
    return name.removeprefix(PREFIX)


def record_fields(record: logging.LogRecord) -> Mapping[str, Any]:
    fields = getattr(record, "fields", None)
    return fields if isinstance(fields, Mapping) else {}


class JsonFormatter(logging.Formatter):
    """One compact JSON object per record, keys in zap's order."""

    def format(self, record: logging.LogRecord) -> str:
        level = record.levelname
        document: dict[str, Any] = {
            "level": _ZAP_LEVELS.get(level, level.lower()),
            "ts": record.created,
            "logger": display_name(record.name),
            "msg": record.getMessage(),
        }
        for key, value in record_fields(record).items():
            document.setdefault(str(key), value)
        if record.exc_info:
            document.setdefault("error", self.formatException(record.exc_info))
        try:
            return orjson.dumps(document, default=str).decode()
        except TypeError:  # not UTF-8 (a path with byte 0xff), an integer over 64 bits...
            return orjson.dumps(_printable(document)).decode()


def _printable(value: Any) -> Any:
    """`value` with lone surrogates escaped as `\\xff` / `\\udXXX` and every non-JSON leaf
    (big integers included) as its `str`: a record is never lost to its content."""
    if isinstance(value, str):
        return _SURROGATE.sub(_escape_surrogate, value)
    if isinstance(value, Mapping):
        return {_printable(str(key)): _printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(item) for item in value]
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int) and -(1 << 63) <= value < (1 << 64):
        return value
    return _printable(str(value))


def _escape_surrogate(match: re.Match[str]) -> str:
    """A byte that was not UTF-8 (decoded with surrogateescape) as `\\xNN`, else `\\uNNNN`."""
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


class TextFormatter(logging.Formatter):
    """`<ISO time> <level> <logger> <msg> key=value ...` for humans."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        parts = [
            f"{stamp}.{int(record.created % 1 * 1000):03d}Z",
            _ZAP_LEVELS.get(record.levelname, record.levelname.lower()),
            display_name(record.name),
            record.getMessage(),
        ]
        parts.extend(f"{key}={value!r}" for key, value in record_fields(record).items())
        line = "\t".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(level: str = "info", fmt: str = "json", stream: TextIO | None = None) -> None:
    """Route every log record to `stream` (stderr) in the chosen format and level."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(LEVELS[level])
