"""Fixtures of the feed tests: the fixture stream as wire events, feeds, log capture."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf import json_format

from k8smeta.plugin.feed import Feed, FeedSettings
from k8smeta.wire import metadata_pb2
from tests.plugin.feed.host_fakes import WAIT, FeedFactory, LogRecorder, RecordingSink

FEED_LOGGER = "k8smeta.plugin.feed"


@pytest.fixture
def logs() -> Iterator[LogRecorder]:
    logger = logging.getLogger(FEED_LOGGER)
    recorder = LogRecorder()
    level = logger.level
    logger.addHandler(recorder)
    logger.setLevel(logging.DEBUG)
    yield recorder
    logger.removeHandler(recorder)
    logger.setLevel(level)


@pytest.fixture(scope="session")
def wire_stream(collector_stream: list[dict[str, Any]]) -> list[metadata_pb2.Event]:
    """Fixture #0-#42 as wire events."""
    return [json_format.ParseDict(doc, metadata_pb2.Event()) for doc in collector_stream]


@pytest.fixture
def make_feed() -> Iterator[FeedFactory]:
    """Build feeds; every feed still running at teardown must stop cleanly."""
    feeds: list[Feed] = []

    def build(settings: FeedSettings, sink: RecordingSink, **options: Any) -> Feed:
        feed = Feed(settings, sink, **options)
        feeds.append(feed)
        return feed

    yield build
    assert all(feed.stop(timeout=WAIT) for feed in feeds)
