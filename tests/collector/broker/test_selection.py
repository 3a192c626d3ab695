"""Selector semantics (docs/collector-contract.md, "Selector")."""

from __future__ import annotations

import pytest

from k8smeta.collector.broker import parse_selection
from k8smeta.collector.model import Kind

ALL = frozenset(Kind)


@pytest.mark.parametrize(
    ("node", "keys", "expected"),
    [
        ("n", {"Pod": "true"}, ({Kind.POD}, False, (), True)),
        ("n", {"Pod": "false", "Service": ""}, ({Kind.POD, Kind.SERVICE}, False, (), True)),
        ("n", {k.value: "true" for k in Kind}, (ALL, False, (), True)),
        ("n", {"ReplicaController": "true"}, ({Kind.REPLICATION_CONTROLLER}, False, (), True)),
        ("n", {"pod": "true", "Nodes": "true"}, (set(), False, ("Nodes", "pod"), False)),
        ("n", {"Node": "true", "Job": ""}, ({Kind.NODE, Kind.JOB}, False, (), True)),
        ("n", {}, (set(), False, (), False)),
        ("n", {"k8smeta/sync": "true"}, (set(), True, (), False)),
        ("n", {"k8smeta/sync": "True", "Pod": "true"}, ({Kind.POD}, False, (), True)),
        ("", {"Pod": "true", "k8smeta/sync": "true"}, ({Kind.POD}, True, (), False)),
    ],
)
def test_parse_selection(
    node: str, keys: dict[str, str], expected: tuple[set[Kind], bool, tuple[str, ...], bool]
) -> None:
    kinds, sync, unknown, wants = expected
    selection = parse_selection(node, keys)
    assert selection.node == node
    assert selection.kinds == kinds
    assert selection.sync is sync
    assert selection.unknown_keys == unknown
    assert selection.wants_objects is wants


@pytest.mark.parametrize(
    ("keys", "details"),
    [
        ({"Pod": "true", "k8smeta/pod-details": "true"}, True),
        ({"Pod": "true", "k8smeta/pod-details": "false"}, False),
        ({"Pod": "true", "k8smeta/pod-details": "yes"}, False),
        ({"Pod": "true"}, False),
    ],
)
def test_the_pod_details_opt_in(keys: dict[str, str], details: bool) -> None:
    selection = parse_selection("n", keys)
    assert selection.details is details
    assert selection.unknown_keys == ()  # the opt-in key is known whatever its value
    assert selection.kinds == {Kind.POD}
