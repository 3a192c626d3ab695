"""Pod UID from cgroup paths: the documented and upstream-test vectors, both layouts, v1 and v2."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from k8smeta.plugin.core.cgroup import (
    container_id_from_cgroup,
    ids_from_cgroup,
    pod_uid_from_cgroup,
)
from tests.plugin.core.cgroup_paths import cgroup_paths, reference_container_id

CID = "691e0ffb65010b2b611f3a15b7f76c48466192e673e156f38bd2f8e25acd6bbc"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(
            f"/kubepods/besteffort/pod05869489-8c7f-45dc-9abd-1b1620787bb1/{CID}",
            "05869489-8c7f-45dc-9abd-1b1620787bb1",
            id="cgroupfs-v1",
        ),
        pytest.param(
            "/kubepods.slice/kubepods-besteffort.slice/"
            "kubepods-besteffort-pod0f90f31c_ebeb_4192_a2b0_92e076c43817.slice/"
            f"cri-containerd-{CID}.scope",
            "0f90f31c-ebeb-4192-a2b0-92e076c43817",
            id="systemd-v1",
        ),
        pytest.param(
            f"/kubepods/besteffort/podaf4fa4cf-129e-4699-a2af-65548fb8977d/{CID}",
            "af4fa4cf-129e-4699-a2af-65548fb8977d",
            id="cgroupfs-v2",
        ),
        pytest.param(
            "/kubepods.slice/kubepods-pod43f23404_e33c_48c7_8114_28ee4b7043ec.slice/"
            "cri-containerd-b59ce319955234d0b051a93dac5efa8fc07df08d8b0188195b434174efb06c63.scope",
            "43f23404-e33c-48c7-8114-28ee4b7043ec",
            id="systemd-v2",
        ),
        pytest.param(
            "/kubepods.slice/kubepods-burstable.slice/"
            "kubepods-burstable-pod12345678_aaaa_bbbb_cccc_1234567890ab.slice",
            "12345678-aaaa-bbbb-cccc-1234567890ab",
            id="systemd-pod-slice-only",
        ),
        pytest.param(
            "/kubepods/burstable/pod12345678-aaaa_bbbb-cccc_1234567890ab/x",
            "12345678-aaaa-bbbb-cccc-1234567890ab",
            id="mixed-separators",
        ),
        pytest.param(
            "/a/pod11111111-2222-3333-4444-555555555555/pod66666666-7777-8888-9999-000000000000",
            "11111111-2222-3333-4444-555555555555",
            id="first-match-wins",
        ),
        pytest.param(
            "/kubepods.slice/kubepods-besteffort.slice/"
            "kubepods-besteffort-pod438943***343r2e-fsdwed-32ewad-e2dw-2.slice/x",
            "",
            id="documented-no-match",
        ),
        pytest.param(
            "/kubepods/besteffort/pod05869489-8C7F-45dc-9abd-1b1620787bb1/x",
            "",
            id="uppercase-no-match",
        ),
        pytest.param("/kubepods/besteffort/pod05869489-8c7f-45dc-9abd/x", "", id="too-short"),
        pytest.param("/user.slice/user-1000.slice/session-2.scope", "", id="host-process"),
        pytest.param("/", "", id="root"),
        pytest.param("", "", id="empty"),
    ],
)
def test_pod_uid_from_cgroup(path: str, expected: str) -> None:
    assert pod_uid_from_cgroup(path) == expected


UID = "05869489-8c7f-45dc-9abd-1b1620787bb1"
UID_ = UID.replace("-", "_")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(
            f"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_}.slice/"
            f"cri-containerd-{CID}.scope",
            CID,
            id="containerd-systemd",
        ),
        pytest.param(f"/kubepods/besteffort/pod{UID}/{CID}", CID, id="containerd-cgroupfs"),
        pytest.param(
            f"/kubepods.slice/kubepods-pod{UID_}.slice/crio-{CID}.scope", CID, id="crio-systemd"
        ),
        pytest.param(f"/kubepods/pod{UID}/crio-{CID}", CID, id="crio-cgroupfs"),
        pytest.param(
            f"/kubepods.slice/kubepods-pod{UID_}.slice/crio-conmon-{CID}.scope",
            "",
            id="crio-conmon-excluded",
        ),
        pytest.param(
            f"/kubepods.slice/kubepods-pod{UID_}.slice/docker-{CID}.scope", CID, id="docker-systemd"
        ),
        pytest.param(f"/docker/{CID}", CID, id="docker-plain"),
        pytest.param(f"/kubepods/burstable/pod{UID}/{CID}/init", CID, id="nested-sub-cgroup"),
        pytest.param(f"/kubepods/burstable/pod{UID}", "", id="pod-level"),
        pytest.param(f"/kubepods/burstable/pod{UID}/{CID[:-1]}", "", id="63-digits"),
        pytest.param(f"/kubepods/burstable/pod{UID}/{CID.upper()}", "", id="uppercase"),
        pytest.param(f"/kubepods/burstable/{CID}", "", id="bare-id-outside-pod-dir"),
        pytest.param(f"/system.slice/containerd-{CID}.scope", "", id="unknown-prefix"),
        pytest.param("/user.slice/user-1000.slice/session-2.scope", "", id="host-process"),
        pytest.param("", "", id="empty"),
    ],
)
def test_container_id_from_cgroup(path: str, expected: str) -> None:
    assert container_id_from_cgroup(path) == expected


def test_ids_need_a_pod_uid() -> None:
    assert ids_from_cgroup(f"/docker/{CID}") == ("", "")
    assert ids_from_cgroup(f"/kubepods/pod{UID}/{CID}") == (UID, CID)
    assert ids_from_cgroup(f"/kubepods/pod{UID}") == (UID, "")


@settings(max_examples=1500, deadline=None)
@given(cgroup_paths)
def test_container_id_matches_the_reference(path: str) -> None:
    assert container_id_from_cgroup(path) == reference_container_id(path)
