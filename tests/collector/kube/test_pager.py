"""Pager: the next page is asked for from the current page's head, once, with the same
requests as a list without read-ahead; a dropped read-ahead is cancelled quietly."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from k8smeta.collector.kube.decode import KindDecoder
from k8smeta.collector.kube.kinds import KINDS
from k8smeta.collector.kube.pager import Pager
from k8smeta.collector.kube.transport import Transport
from k8smeta.collector.model import Kind
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn


def list_requests(api: KubeApiStandIn) -> list[str]:
    """The continue token of each list request so far ("" for the first page)."""
    return [r.query.get("continue", "") for r in api.requests_for("pods", watch=False)]


def seven_pods_in_pages_of_three(api: KubeApiStandIn, client: ApiClient) -> Pager:
    for i in range(7):
        api.add(objects.pod(f"web-{i}"))
    return Pager(Transport(client), KINDS[Kind.POD], limit=3)


@pytest.mark.asyncio
async def test_the_next_page_is_requested_before_it_is_asked_for(
    api: KubeApiStandIn, client: ApiClient
) -> None:
    pager = seven_pods_in_pages_of_three(api, client)
    try:
        first = await pager.page("")
        await api.wait_for(lambda: len(list_requests(api)) == 2)  # read ahead, not asked
        assert list_requests(api) == ["", first.token]
        second = await pager.page(first.token)
        await api.wait_for(lambda: len(list_requests(api)) == 3)
        last = await pager.page(second.token)
    finally:
        pager.close()
    assert list_requests(api) == ["", first.token, second.token]  # each page fetched once
    assert [len(p.objects) for p in (first, second, last)] == [3, 3, 1]
    assert last.token == ""
    names = [o.meta.name for p in (first, second, last) for o in p.objects]
    assert names == [f"web-{i}" for i in range(7)]


@pytest.mark.asyncio
async def test_a_page_asked_for_under_another_token_drops_the_read_ahead(
    api: KubeApiStandIn, client: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    pager = seven_pods_in_pages_of_three(api, client)
    try:
        first = await pager.page("")
        await api.wait_for(lambda: len(list_requests(api)) == 2)
        again = await pager.page("")  # a restart from the first page (as after a 410)
        pager.close()
        await asyncio.sleep(0)  # the cancelled read-ahead's callbacks run
    finally:
        pager.close()
    assert again.objects == first.objects
    assert list_requests(api)[:3] == ["", first.token, ""]
    assert not [r for r in caplog.records if "exception was never retrieved" in r.getMessage()]


@pytest.mark.parametrize(
    ("body", "token"),
    [
        (b'{"kind":"PodList","metadata":{"resourceVersion":"5","continue":"abc"},"items":[', "abc"),
        (b'{"kind":"PodList","metadata":{"resourceVersion":"5"},"items":[{"metadata":', ""),
        (b'{"metadata":{"continue":"abc"},"items":[]}', "abc"),
        (b'{"items":[],"metadata":{"continue":"abc"}}', None),  # items first: not readable
        (b'{"kind":"PodList","items":[]}', None),
        (b'{"metadata": {"continue": "abc"}, "items": []}', "abc"),
        (b'{"metadata": {"continue": "abc"}, "items" : []}', None),
        (b'{"metadata":{"continue":7},"items":[]}', None),
        (b'{"metadata":{"continue":"a"' + b" " * 5000 + b'},"items":[]}', None),  # head too long
        (b"not json", None),
    ],
)
def test_continue_token_from_the_head_alone(body: bytes, token: str | None) -> None:
    assert KindDecoder.continue_token(body) == token


class KeptBodies(Transport):
    """A Transport that remembers every body it hands out."""

    def __init__(self, client: ApiClient) -> None:
        super().__init__(client)
        self.bodies: list[bytes] = []

    async def read(self, *args: Any, **kwargs: Any) -> bytes:
        body = await super().read(*args, **kwargs)
        self.bodies.append(body)
        return body


@pytest.mark.asyncio
async def test_a_decoded_page_body_is_held_by_nothing_in_the_pager(
    api: KubeApiStandIn, client: ApiClient
) -> None:
    """A real API server's 500-pod page is 5.5 MB: once decoded, the pager lets it go
    (before, the page's task kept it as its result until the next page was asked for)."""
    for i in range(3):
        api.add(objects.pod(f"web-{i}"))
    transport = KeptBodies(client)
    pager = Pager(transport, KINDS[Kind.POD], limit=10)
    try:
        page = await pager.page("")
    finally:
        pager.close()
    assert len(page.objects) == 3
    assert page.token == ""
    (body,) = transport.bodies
    transport.bodies.clear()
    assert sys.getrefcount(body) == 2  # `body` and getrefcount's argument: nobody else
