"""deploy/falco/values.yaml installs the artifact with the chart's falcoctl and loads the
library from where falcoctl unpacks it (structural: no registry or cluster here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from k8smeta.plugin.abi.build import LIBRARY_NAME

VALUES = Path(__file__).resolve().parents[2] / "deploy" / "falco" / "values.yaml"


def values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(VALUES.read_text())
    return loaded


def test_falcoctl_installs_the_plugin_artifact() -> None:
    falcoctl = values()["falcoctl"]
    assert falcoctl["artifact"]["install"]["enabled"] is True
    assert "plugin" in falcoctl["config"]["artifact"]["allowedTypes"]
    refs = falcoctl["config"]["artifact"]["install"]["refs"]
    assert [r for r in refs if r.rsplit(":", 1)[0].endswith("/plugin/k8smeta")]


def test_falco_loads_the_library_from_the_plugins_directory() -> None:
    falco = values()["falco"]
    (block,) = [p for p in falco["plugins"] if p["name"] == "k8smeta"]
    assert block["library_path"] == LIBRARY_NAME  # the artifact's top-level member
    assert "k8smeta" in falco["load_plugins"]
    assert "image" not in values()  # the stock Falco image
