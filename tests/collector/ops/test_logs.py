"""Structured log lines (docs/configuration.md): zap key order, upstream's logger names."""

from __future__ import annotations

import io
import logging

import orjson
import pytest

from k8smeta.collector.logs import JsonFormatter, TextFormatter, configure_logging


def record(
    name: str, level: int, msg: str, fields: dict[str, object] | None = None
) -> logging.LogRecord:
    made = logging.LogRecord(name, level, __file__, 1, msg, None, None)
    made.created = 1700000000.25
    if fields is not None:
        made.fields = fields
    return made


@pytest.mark.parametrize(
    ("name", "level", "msg", "fields", "expected"),
    [
        (
            "k8smeta.collector.broker.grpc-server",
            logging.INFO,
            "received watch request",
            {"node": "kind-control-plane", "subscriber UID": "u-1"},
            '{"level":"info","ts":1700000000.25,"logger":"broker.grpc-server",'
            '"msg":"received watch request","node":"kind-control-plane","subscriber UID":"u-1"}',
        ),
        (
            "k8smeta.collector.broker.grpc-server",
            logging.INFO,
            "stream deleted",
            {"subscriber": "kind-control-plane"},
            '{"level":"info","ts":1700000000.25,"logger":"broker.grpc-server",'
            '"msg":"stream deleted","subscriber":"kind-control-plane"}',
        ),
        (
            "aiohttp.server",
            logging.WARNING,
            "odd",
            {"level": "ignored", "n": 3},
            '{"level":"warn","ts":1700000000.25,"logger":"aiohttp.server","msg":"odd","n":3}',
        ),
    ],
)
def test_json_lines(
    name: str, level: int, msg: str, fields: dict[str, object], expected: str
) -> None:
    assert JsonFormatter().format(record(name, level, msg, fields)) == expected


def test_exceptions_become_an_error_field() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        made = record("k8smeta.collector.app", logging.ERROR, "failed")
        made.exc_info = sys.exc_info()
    document = orjson.loads(JsonFormatter().format(made))
    assert document["level"] == "error"
    assert "ValueError: bad" in document["error"]


def test_text_format() -> None:
    line = TextFormatter().format(record("k8smeta.collector.cli", logging.INFO, "hi", {"a": 1}))
    assert line == "2023-11-14T22:13:20.250Z\tinfo\tcli\thi\ta=1"


def test_configure_logging_routes_to_the_stream() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("debug", "json", stream)
        logging.getLogger("k8smeta.collector.test").debug("x", extra={"fields": {"k": "v"}})
        assert orjson.loads(stream.getvalue())["k"] == "v"
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


class Opaque:
    def __str__(self) -> str:
        return "opaque-\udcfe"


@pytest.mark.parametrize(
    ("msg", "fields", "expected"),
    [
        ("/tmp/c-\udcff.json: bad", {}, {"msg": "/tmp/c-\\xff.json: bad"}),
        ("m", {"file": "a\udc80b"}, {"file": "a\\x80b"}),
        ("m", {"k\udcff": ["x\ud800"]}, {"k\\xff": ["x\\ud800"]}),
        ("m", {"n": 1 << 70}, {"n": str(1 << 70)}),
        ("m", {"o": Opaque()}, {"o": "opaque-\\xfe"}),
    ],
)
def test_json_lines_whose_content_is_not_utf8_are_escaped(
    msg: str, fields: dict[str, object], expected: dict[str, object]
) -> None:
    document = orjson.loads(JsonFormatter().format(record("k8smeta.collector.x", 30, msg, fields)))
    assert {key: document[key] for key in expected} == expected
    assert document["level"] == "warn"
