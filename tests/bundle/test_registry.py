"""The bundle through a real OCI registry: pushed as falcoctl pushes a plugin, pulled back by
tag and by digest, installed into an empty plugins directory as `falcoctl artifact install`
does, and that libk8smeta.so loaded by the C host, synced from a collector on loopback and
asked for every field.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

import k8smeta
from k8smeta.plugin.abi.bundle import BUNDLE_DIR, oci_platform
from k8smeta.release.falcoctl import (
    CREATED,
    INDEX_MEDIA_TYPE,
    MANIFEST_MEDIA_TYPE,
    PLUGIN_CONFIG_MEDIA_TYPE,
    PLUGIN_LAYER_MEDIA_TYPE,
    TITLE,
    ArtifactConfig,
)
from k8smeta.release.oci import Client, RegistryError, install, pull, push
from tests.bundle.runner import install_host, recorded_collector, run_in_root
from tests.bundle.test_bundle import REQUESTS, check_outcome


def _timed(timings: dict[str, float], name: str, start: float) -> None:
    timings[name] = round(time.monotonic() - start, 3)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_round_trip_through_a_registry(
    tarball: Path,
    bundle_host: Path,
    registry: str,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    repository = f"{registry}/plugins/k8smeta"
    tag = k8smeta.__version__
    timings: dict[str, float] = {}
    start = time.monotonic()
    digest = push(tarball, repository, [], plain_http=True)
    _timed(timings, "push", start)

    client = Client(registry, plain_http=True)
    media, raw_index = client.fetch_manifest("plugins/k8smeta", tag)
    index = json.loads(raw_index)
    assert (media, index["mediaType"]) == (INDEX_MEDIA_TYPE, INDEX_MEDIA_TYPE)
    os_name, arch = oci_platform().split("/")
    [entry] = index["manifests"]
    assert entry["platform"] == {"architecture": arch, "os": os_name}
    assert entry["mediaType"] == MANIFEST_MEDIA_TYPE
    manifest = json.loads(client.fetch_manifest("plugins/k8smeta", entry["digest"])[1])
    assert manifest["config"]["mediaType"] == PLUGIN_CONFIG_MEDIA_TYPE
    [layer] = manifest["layers"]
    assert layer["mediaType"] == PLUGIN_LAYER_MEDIA_TYPE
    assert layer["annotations"] == {TITLE: tarball.name}
    assert set(manifest["annotations"]) == {CREATED}

    start = time.monotonic()
    by_tag = pull(f"{repository}:{tag}", tmp_path / "by-tag", plain_http=True)
    _timed(timings, "pull_by_tag", start)
    start = time.monotonic()
    by_digest = pull(f"{repository}@{digest}", tmp_path / "by-digest", plain_http=True)
    _timed(timings, "pull_by_digest", start)
    for pulled in (by_tag, by_digest):
        assert pulled.index_digest == digest
        assert pulled.manifest_digest == entry["digest"]
        assert pulled.tarball.name == tarball.name
        assert pulled.tarball.read_bytes() == tarball.read_bytes()

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    start = time.monotonic()
    installed = install(f"{repository}@{digest}", plugins, plain_http=True)
    _timed(timings, "install", start)
    assert sorted(p.name for p in plugins.iterdir()) == [BUNDLE_DIR, "libk8smeta.so"]

    host = install_host(bundle_host, tmp_path / "host")
    start = time.monotonic()
    with recorded_collector() as port:
        outcome = run_in_root(
            None,
            host,
            plugins / "libk8smeta.so",
            mode="local-now",
            port=port,
            requests=REQUESTS,
        )
    _timed(timings, "load_sync_extract", start)
    check_outcome(outcome)
    assert installed.config == ArtifactConfig(
        outcome.values["plugin.name"], tag, outcome.values["plugin.required_api_version"]
    )
    for name, seconds in timings.items():
        record_property(f"seconds_{name}", seconds)
    print(f"registry round trip (s): {timings}")


def test_a_digest_that_does_not_match_is_refused(
    tarball: Path, registry: str, tmp_path: Path
) -> None:
    """Pinning by digest means something: an unknown digest is an error, never the tag's."""
    repository = f"{registry}/plugins/k8smeta-{uuid.uuid4().hex[:8]}"
    push(tarball, repository, ["pinned"], plain_http=True)
    wrong = "sha256:" + "0" * 64
    with pytest.raises(RegistryError, match="HTTP 404"):
        pull(f"{repository}@{wrong}", tmp_path / "x", plain_http=True)
