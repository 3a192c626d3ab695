"""Run the stand-in by hand: `python -m tests.kubeapi [--port N] [--kubeconfig PATH] FILE...`.

Serves the objects of kubectl `-o json` dumps over the Kubernetes list/watch protocol on
127.0.0.1 and writes a kubeconfig for it, so that `k8smeta collector --kubeconfig PATH` (or
kubectl) can be pointed at it without a cluster. Stops on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path

from tests.kubeapi.standin import KubeApiStandIn

KUBECONFIG = """apiVersion: v1
kind: Config
current-context: stand-in
clusters:
- name: stand-in
  cluster: {{server: "{url}"}}
users:
- name: stand-in
  user: {{token: "{token}"}}
contexts:
- name: stand-in
  context: {{cluster: stand-in, user: stand-in}}
"""


async def serve(files: list[Path], port: int, kubeconfig: Path) -> None:
    async with KubeApiStandIn(port=port) as api:
        count = sum(api.load_file(path) for path in files)
        kubeconfig.write_text(KUBECONFIG.format(url=api.url, token=api.token))
        print(f"serving {count} objects at {api.url}; kubeconfig: {kubeconfig}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.kubeapi", description=__doc__)
    parser.add_argument("files", nargs="*", type=Path, help="kubectl -o json dumps to serve")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--kubeconfig", type=Path, default=Path("stand-in.kubeconfig"))
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.files, args.port, args.kubeconfig))


if __name__ == "__main__":
    main()
