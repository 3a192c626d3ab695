"""Generate the committed protobuf/gRPC stubs in src/k8smeta/wire from proto/metadata.proto.

`--check` regenerates into a temporary folder and fails if the committed files differ.
Type stubs come from mypy-protobuf. The proto is mapped to the virtual path
`k8smeta/wire/metadata.proto`, so the generated gRPC module imports its messages as
`k8smeta.wire.metadata_pb2` (no post-processing).
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
WIRE_DIR = ROOT / "src" / "k8smeta" / "wire"
GENERATED = ("metadata_pb2.py", "metadata_pb2.pyi", "metadata_pb2_grpc.py", "metadata_pb2_grpc.pyi")
# mypy-protobuf's plugins, installed beside this interpreter
PLUGIN_DIR = Path(sys.executable).parent


def generate(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _run_protoc(Path(tmp), out)


def _run_protoc(stage: Path, out: Path) -> None:
    args = [
        "protoc",
        f"-Ik8smeta/wire={PROTO_DIR}",
        f"--python_out={stage}",
        f"--grpc_python_out={stage}",
        f"--plugin=protoc-gen-mypy={PLUGIN_DIR / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={PLUGIN_DIR / 'protoc-gen-mypy_grpc'}",
        f"--mypy_out={stage}",
        f"--mypy_grpc_out={stage}",
        "k8smeta/wire/metadata.proto",
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for name in GENERATED:
        (out / name).write_bytes((stage / "k8smeta" / "wire" / name).read_bytes())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="fail if the committed stubs are stale"
    )
    options = parser.parse_args()
    if not options.check:
        generate(WIRE_DIR)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        stale = [n for n in GENERATED if not filecmp.cmp(fresh / n, WIRE_DIR / n, shallow=False)]
    if stale:
        print(f"stale generated stubs: {', '.join(stale)}; run `make wire`", file=sys.stderr)
        return 1
    print("generated stubs are fresh")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
