"""JSON-Schema type names of decoded JSON values, for error messages (config and payloads)."""

from __future__ import annotations


def json_type(value: object) -> str:
    """The JSON-Schema type name of a decoded JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
