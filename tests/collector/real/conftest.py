"""The real control plane for the tests marked `real_apiserver`: built before the session
when missing (outside any test's timeout), started once per session, its logs attached to
every failing test's report."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator

import pytest
import pytest_asyncio

from tests.kubeapi.real import binaries
from tests.kubeapi.real.admin import Admin
from tests.kubeapi.real.cluster import ControlPlane

MARK = "real_apiserver"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    real = [item for item in items if item.get_closest_marker(MARK)]
    if not real or config.option.collectonly:
        return
    try:
        binaries.ensure()
    except binaries.NoGoError as exc:
        for item in real:
            item.add_marker(pytest.mark.skip(reason=f"real API server: {exc}"))


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    plane = ControlPlane(binaries.ensure(), tmp_path_factory.mktemp("real-k8s"))
    try:
        plane.start()
        yield plane
    finally:
        plane.stop()


@pytest_asyncio.fixture
async def admin(control_plane: ControlPlane) -> AsyncIterator[Admin]:
    """The cluster admin (client certificate in system:masters), through kubernetes_asyncio."""
    client = await Admin.load(control_plane.admin_kubeconfig)
    try:
        yield client
    finally:
        await client.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    plane = getattr(item, "funcargs", {}).get("control_plane")
    if report.failed and isinstance(plane, ControlPlane):
        report.sections.append(("control plane logs (tails)", plane.logs()))
    return report
