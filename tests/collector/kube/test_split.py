"""split: the byte spans of an object's members and an array's elements are exactly the
values orjson reads, for any JSON, at any depth, without recursion."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k8smeta.collector.kube.split import SplitError, elements, member, members

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=8),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=120, deadline=None)
@given(st.dictionaries(st.text(max_size=6), VALUES, max_size=6), st.sampled_from([0, 2]))
def test_members_are_the_decoded_members(document: dict[str, Any], indent: int) -> None:
    option = orjson.OPT_INDENT_2 if indent else 0
    data = orjson.dumps(document, option=option)
    decoded = {key: orjson.loads(data[start:end]) for key, (start, end) in members(data)}
    assert decoded == orjson.loads(data)


@settings(max_examples=80, deadline=None)
@given(st.lists(VALUES, max_size=8))
def test_elements_are_the_decoded_elements(array: list[Any]) -> None:
    data = b'{"items":' + orjson.dumps(array) + b"}"
    span = member(data, "items")
    assert span is not None
    assert [orjson.loads(data[s:e]) for s, e in elements(data, span[0])] == array


def test_depth_is_no_limit() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    data = b'{"a":' + deep + b',"b":"\\"]}{"}'
    assert dict(members(data)) == {"a": (5, 5 + len(deep)), "b": (10 + len(deep), len(data) - 1)}


@pytest.mark.parametrize(
    "data", [b"", b"[]", b'{"a"', b'{"a":', b'{"a":"x', b'{"a":[1,2}', b'{"a":1 "b":2}', b"{1:2}"]
)
def test_malformed_shapes_raise(data: bytes) -> None:
    with pytest.raises(SplitError):
        dict(members(data))


def test_invalid_bytes_inside_strings_do_not_matter() -> None:
    data = b'{"a":"\xff\xfe","b":[NaN, "\\ud800"],"c":3}'
    assert [key for key, _ in members(data)] == ["a", "b", "c"]
