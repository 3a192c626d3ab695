"""Thread tagging through process events and capture open (docs/plugin-contract.md,
"Threads table"; upstream's test cases)."""

from __future__ import annotations

import pytest

from tests.host.base import CLONE_FAMILY, EXECVE_X, EXECVEAT_X, FalcoHost
from tests.plugin.behaviour.conftest import pod_cgroups

METRICS_SERVER = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"
CID = "b59ce319955234d0b051a93dac5efa8fc07df08d8b0188195b434174efb06c63"

# upstream test plugin_k8s_pod_uid_regex: (cgroups, expected pod_uid), applied in order on tid 1.
REGEX_STEPS: list[tuple[list[str], str]] = [
    (
        [
            "cpuset=/kubepods/besteffort/pod05869489-8c7f-45dc-9abd-1b1620787bb1/"
            "691e0ffb65010b2b611f3a15b7f76c48466192e673e156f38bd2f8e25acd6bbc"
        ],
        "05869489-8c7f-45dc-9abd-1b1620787bb1",
    ),
    (
        [
            "cpuset=/kubepods.slice/kubepods-besteffort.slice/"
            "kubepods-besteffort-pod0f90f31c_ebeb_4192_a2b0_92e076c43817.slice/"
            "4c97d83b89df14eea65dbbab1f506b405758341616ab75437d66fd8bab0e2beb"
        ],
        "0f90f31c-ebeb-4192-a2b0-92e076c43817",
    ),
    (
        [f"cpuset=/kubepods/besteffort/podaf4fa4cf-129e-4699-a2af-65548fb8977d/{CID}"],
        "af4fa4cf-129e-4699-a2af-65548fb8977d",
    ),
    (
        [
            "cpuset=/kubepods.slice/kubepods-besteffort.slice/"
            "kubepods-besteffort-pod43f23404_e33c_48c7_8114_28ee4b7043ec.slice/"
            f"cri-containerd-{CID}.scope"
        ],
        "43f23404-e33c-48c7-8114-28ee4b7043ec",
    ),
    (
        [
            "cpuset=/kubepods.slice/kubepods-besteffort.slice/"
            "kubepods-besteffort-pod438943***343r2e-fsdwed-32ewad-e2dw-2.slice/x"
        ],
        "43f23404-e33c-48c7-8114-28ee4b7043ec",  # no match: the previous value stays
    ),
]


def test_execve_tags_with_each_cgroup_layout(ready: FalcoHost) -> None:
    ready.set_thread(1, [])
    for cgroups, expected in REGEX_STEPS:
        assert ready.process_event(EXECVE_X, 1, 0, cgroups)
        assert ready.pod_uid(1) == expected


def test_first_matching_cgroup_entry_wins(ready: FalcoHost) -> None:
    cgroups = [
        "cpu=/user.slice",
        "memory=/kubepods/pod11111111-2222-3333-4444-555555555555/c",
        "pids=/kubepods/pod66666666-7777-8888-9999-000000000000/c",
    ]
    assert ready.process_event(EXECVE_X, 1, 0, cgroups)
    assert ready.pod_uid(1) == "11111111-2222-3333-4444-555555555555"


def test_new_thread_has_empty_pod_uid(ready: FalcoHost) -> None:
    """The added `pod_uid` field is "" for every thread until tagged."""
    ready.set_thread(1, ["cpu=/"])
    assert ready.pod_uid(1) == ""
    assert ready.pod_uid(99) is None


@pytest.mark.parametrize("code", CLONE_FAMILY)
def test_clone_family_tags_the_child_only(ready: FalcoHost, code: int) -> None:
    """Upstream test plugin_k8s_clone_fork_parse."""
    ready.set_thread(1, [])
    assert ready.process_event(code, 1, 2, pod_cgroups(METRICS_SERVER))  # parent side
    # Hosts without the cgroups sub-table: the parent's event carries the parent's own
    # cgroups (the child inherits them), so the parent is tagged from it (docs/falco-versions.md).
    assert ready.pod_uid(1) == (METRICS_SERVER if ready.event_cgroups else "")
    assert ready.process_event(code, 2, 0, pod_cgroups(METRICS_SERVER))  # child side
    assert ready.pod_uid(2) == METRICS_SERVER


def test_execveat_tags_the_caller(ready: FalcoHost) -> None:
    """Upstream test plugin_k8s_PPME_SYSCALL_EXECVEAT_X_parse."""
    ready.set_thread(1, [])
    assert ready.process_event(EXECVEAT_X, 1, 0, pod_cgroups(METRICS_SERVER))
    assert ready.pod_uid(1) == METRICS_SERVER


def test_execve_after_clone_overwrites(ready: FalcoHost) -> None:
    """Upstream test plugin_k8s_execve_after_clone_event."""
    other = "05869489-8c7f-45dc-9abd-1b1620787bb1"
    assert ready.process_event(CLONE_FAMILY[0], 2, 0, pod_cgroups(METRICS_SERVER))
    assert ready.pod_uid(2) == METRICS_SERVER
    assert ready.process_event(EXECVE_X, 2, 0, pod_cgroups(other))
    assert ready.pod_uid(2) == other


def test_thread_entries_follow_the_table(ready: FalcoHost) -> None:
    """Upstream test plugin_k8s_check_thread_entry_is_removed."""
    ready.set_thread(1, [])
    assert ready.process_event(CLONE_FAMILY[0], 1, 2, pod_cgroups(METRICS_SERVER))
    assert ready.process_event(CLONE_FAMILY[0], 2, 0, pod_cgroups(METRICS_SERVER))
    assert ready.thread_ids() == [1, 2]
    ready.remove_thread(2)
    assert ready.thread_ids() == [1]


def test_parent_side_clone_restores_from_own_cgroups(ready: FalcoHost) -> None:
    """Upstream test plugin_k8s_parse_parent_clone."""
    assert ready.process_event(CLONE_FAMILY[0], 2, 0, pod_cgroups(METRICS_SERVER))
    ready.set_pod_uid(2, "")
    assert ready.pod_uid(2) == ""
    assert ready.process_event(CLONE_FAMILY[0], 2, 3, pod_cgroups(METRICS_SERVER))
    assert ready.pod_uid(2) == METRICS_SERVER


def test_capture_open_tags_existing_threads(ready: FalcoHost) -> None:
    """Upstream test plugin_listen_cap_poduid, for every thread present before the open."""
    other = "05869489-8c7f-45dc-9abd-1b1620787bb1"
    ready.set_thread(1, pod_cgroups(METRICS_SERVER))
    ready.set_thread(7, pod_cgroups(other))
    ready.set_thread(8, ["cpu=/user.slice"])
    assert ready.pod_uid(1) == ""
    ready.capture_open()
    # Hosts before API 3.7 have no capture_open: the plugin tags on the first event.
    assert ready.parse_only(EXECVE_X, 42, 0)
    assert [ready.pod_uid(t) for t in (1, 7, 8)] == [METRICS_SERVER, other, ""]
    assert ready.metrics()["threads_tagged"] == 2


@pytest.mark.parametrize("code", [*CLONE_FAMILY, EXECVE_X, EXECVEAT_X])
def test_failed_syscalls_are_ignored(ready: FalcoHost, code: int) -> None:
    ready.set_thread(1, [])
    assert ready.process_event(code, 1, -2, pod_cgroups(METRICS_SERVER))  # event param 14
    assert ready.pod_uid(1) == ""
    ready.set_thread(1, pod_cgroups(METRICS_SERVER))  # the table's cgroups
    assert ready.process_event(code, 1, -2, pod_cgroups(METRICS_SERVER))
    assert ready.pod_uid(1) == ""
    assert ready.metrics()["parse_errors"] == 0


def test_event_for_a_missing_thread_changes_nothing(ready: FalcoHost) -> None:
    assert ready.parse_only(EXECVE_X, 42, 0)
    assert ready.thread_ids() == []


def test_pod_uid_follows_the_thread_not_a_stale_cache(replayed: FalcoHost) -> None:
    other = "00e704ac-77d1-4aac-80af-31233b277889"
    assert replayed.process_event(EXECVE_X, 1, 0, pod_cgroups(METRICS_SERVER))
    assert replayed.extract(1, "k8smeta.pod.uid") == [METRICS_SERVER]
    assert replayed.process_event(EXECVE_X, 1, 0, pod_cgroups(other))
    assert replayed.extract(1, "k8smeta.pod.uid") == [other]
    replayed.set_pod_uid(1, "")
    assert replayed.extract(1, "k8smeta.pod.uid") is None
    replayed.remove_thread(1)
    assert replayed.extract(1, "k8smeta.pod.name") is None


@pytest.mark.parametrize("tid", [0, -1])
def test_no_value_without_a_thread_id(replayed: FalcoHost, tid: int) -> None:
    assert replayed.extract(tid, "k8smeta.pod.name") is None


def test_pod_unknown_to_the_store_has_no_value(ready: FalcoHost) -> None:
    assert ready.process_event(EXECVE_X, 1, 0, pod_cgroups(METRICS_SERVER))
    assert ready.pod_uid(1) == METRICS_SERVER
    assert ready.extract(1, "k8smeta.pod.uid") is None
