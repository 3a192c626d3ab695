"""The `k8smeta` command: dispatches to the collector, the demo and the tools."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _collector(argv: Sequence[str]) -> int:
    from k8smeta.collector.launch import main as collector_main

    return collector_main(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["collector"]:
        return _collector(args[1:])
    parser = argparse.ArgumentParser(prog="k8smeta", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("collector", help="run the collector (see `k8smeta collector --help`)")
    from k8smeta.demo import run as demo

    demo_parser = sub.add_parser("demo", help="run the end-to-end demo on the example cluster")
    demo.add_arguments(demo_parser)
    from k8smeta.tools import watch

    watch_parser = sub.add_parser("watch", help="print what a collector streams to one node")
    watch.add_arguments(watch_parser)
    options = parser.parse_args(args)
    if options.command == "watch":
        try:
            watch_options = watch.options_from(options)
        except watch.UsageError as exc:
            watch_parser.error(str(exc))  # exits with 2
        return watch.run(watch_options, sys.stdout)
    if options.command == "demo":
        return demo.run(demo.options_from(options), sys.stdout)
    return 1
