"""The collector command's entry point: hold SIGHUP, then import the collector and run it.

`k8smeta-collector`, `k8smeta collector` and `python -m k8smeta.collector` all start here,
so a SIGHUP sent right after the process starts is held (hangup.py) rather than ending it.
"""

from __future__ import annotations

from collections.abc import Sequence

from k8smeta.collector import hangup


def main(argv: Sequence[str] | None = None) -> int:
    hangup.hold()
    from k8smeta.collector.cli import main as cli_main

    return cli_main(argv)
