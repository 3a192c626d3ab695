"""The `k8smeta` command: dispatches to the collector, the demo and the tools."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="k8smeta", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the end-to-end demo on the bundled example cluster")
    options = parser.parse_args(argv)
    if options.command == "demo":
        print(
            "k8smeta demo: not available yet. It will build libk8smeta.so, start the collector "
            "on a bundled cluster snapshot, load the plugin in the bundled Falco stand-in for one "
            "node and print Falco-style lines with the k8smeta fields.",
            file=sys.stderr,
        )
        return 2
    return 1
