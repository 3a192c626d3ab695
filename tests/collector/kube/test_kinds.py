"""The collector's kind registry agrees with the wire vocabulary it shares with the plugin."""

from __future__ import annotations

from k8smeta.collector.broker.selector import parse_selection
from k8smeta.collector.kube.kinds import KINDS
from k8smeta.collector.model import DEPENDENCY_ORDER, Kind
from k8smeta.collector.views.messages import Reason
from k8smeta.wire import vocabulary


def test_every_wire_kind_has_one_member_and_one_row() -> None:
    assert sorted(kind.value for kind in Kind) == sorted(vocabulary.KINDS)
    assert set(KINDS) == set(Kind)
    assert all(info.kind is kind for kind, info in KINDS.items())


def test_order_reasons_and_sync_key_are_the_wire_vocabulary() -> None:
    assert tuple(kind.value for kind in DEPENDENCY_ORDER) == vocabulary.KINDS
    assert {reason.value for reason in Reason} == vocabulary.REASONS
    selection = parse_selection("n", {vocabulary.SYNC_KEY: "true", "Pod": ""})
    assert selection.sync
    assert selection.unknown_keys == ()
