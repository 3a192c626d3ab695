"""docs/configuration.md documents every plugin init-config key and every collector and demo
flag that exists (read from the schema and the argument parsers, not from a list here)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from k8smeta.collector.cli import build_parser
from k8smeta.demo.run import add_arguments
from k8smeta.plugin.core.schema import KEYS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()


def flags(parser: argparse.ArgumentParser) -> list[str]:
    return [
        option
        for action in parser._actions  # argparse has no public accessor
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    ]


def demo_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser


@pytest.mark.parametrize("key", [key.name for key in KEYS])
def test_every_init_config_key_is_documented(key: str) -> None:
    assert f"| `{key}` |" in DOC


@pytest.mark.parametrize("flag", flags(build_parser()) + flags(demo_parser()))
def test_every_flag_is_documented(flag: str) -> None:
    assert f"`{flag}" in DOC
