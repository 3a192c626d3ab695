"""Read the demo's JSON input files (snapshot, scenario) with errors that name the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class InputFileError(Exception):
    """An input file cannot be read or is no JSON; the message names it."""


def read_json(path: Path, what: str) -> Any:
    """The decoded JSON of `path`; `what` ("snapshot", "scenario") goes into the message."""
    try:
        return json.loads(path.read_bytes())
    except OSError as exc:
        raise InputFileError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise InputFileError(f"the {what} {path} is not JSON: {exc}") from None
