"""The size limit's cheap bound really bounds the message, so only large objects are encoded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from k8smeta.collector.model import (
    Container,
    ContainerType,
    Kind,
    KubeObject,
    ObjectMeta,
    PodDetails,
    Uid,
)
from k8smeta.collector.rpc.encode import EventEncoder
from k8smeta.collector.views import Oversize, SizeLimit
from k8smeta.collector.views.size import message_bound

# Characters that grow most when encoded: Go's escapes, control characters, 4-byte UTF-8.
TEXT = st.text(alphabet=st.sampled_from('a<>&\u2028\x01"\\é日\U0001f600\ud800'), max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(list(Kind)),
    name=TEXT,
    namespace=TEXT,
    labels=st.dictionaries(TEXT, TEXT, max_size=8),
    ip=TEXT,
)
def test_the_bound_is_never_below_the_message(
    kind: Kind, name: str, namespace: str, labels: dict[str, str], ip: str
) -> None:
    meta = ObjectMeta(Uid("uid-1"), name, namespace, f"{name}-", labels)
    obj = KubeObject(kind, meta, node_name="n", pod_ip=ip)
    assert len(EventEncoder().body(obj, None)) <= message_bound(obj)


def test_small_limits_strip_then_skip() -> None:
    obj = KubeObject(Kind.POD, ObjectMeta(Uid("u"), "web", "shop", labels={"a": "b" * 600}))
    limit = SizeLimit(EventEncoder(), limit=300)
    fitted = limit.fit(obj)
    assert (fitted.action, fitted.obj is not None and dict(fitted.obj.meta.labels)) == (
        Oversize.LABELS_DROPPED,
        {},
    )
    assert SizeLimit(EventEncoder(), limit=10).fit(obj).action is Oversize.SKIPPED
    assert SizeLimit(EventEncoder()).fit(obj).obj is obj


containers = st.builds(
    Container,
    st.sampled_from(list(ContainerType)),
    TEXT,
    TEXT,
    st.none() | st.booleans(),
    TEXT,
    TEXT,
)
details = st.builds(
    PodDetails,
    st.lists(TEXT, max_size=3).map(tuple),
    TEXT,
    st.booleans(),
    st.booleans(),
    TEXT,
    st.lists(containers, max_size=4).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(name=TEXT, ip=TEXT, pod_details=details)
def test_the_bound_is_never_below_the_detailed_message(
    name: str, ip: str, pod_details: PodDetails
) -> None:
    obj = KubeObject(
        Kind.POD, ObjectMeta(Uid("uid-1"), name, "ns"), "n", pod_ip=ip, details=pod_details
    )
    detailed = EventEncoder().detailed_body(obj, None)
    assert len(detailed or EventEncoder().body(obj, None)) <= message_bound(obj)


def test_details_go_before_labels() -> None:
    many = tuple(
        Container(ContainerType.CONTAINER, f"c{i}", "img" * 20, None, "x" * 70, "y" * 90)
        for i in range(40)
    )
    obj = KubeObject(
        Kind.POD,
        ObjectMeta(Uid("u"), "web", "shop", labels={"a": "b"}),
        "n",
        details=PodDetails(containers=many),
    )
    fitted = SizeLimit(EventEncoder(), limit=2000).fit(obj)
    assert fitted.action is Oversize.DETAILS_DROPPED
    assert fitted.obj is not None
    assert dict(fitted.obj.meta.labels) == {"a": "b"}
    assert EventEncoder().detailed_body(fitted.obj, None) is None
