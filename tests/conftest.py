"""Shared fixtures: the recorded collector stream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from k8smeta.plugin.core.records import Record

FIXTURES = Path(__file__).parent / "fixtures"


def load_collector_stream() -> list[dict[str, Any]]:
    """The 43 recorded events (#0-#42), as protobuf-JSON dicts."""
    events: list[dict[str, Any]] = json.loads((FIXTURES / "collector-stream.json").read_text())
    return events


@pytest.fixture(scope="session")
def collector_stream() -> list[dict[str, Any]]:
    return load_collector_stream()


def stored_meta(record: Record) -> dict[str, Any]:
    """The `meta` a store record keeps (as received: the plugin replays it in dump_state)."""
    meta: dict[str, Any] = json.loads(record.payload.meta or "{}")
    return meta
