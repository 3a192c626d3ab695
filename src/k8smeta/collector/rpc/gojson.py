"""Go `encoding/json` compatible serialization of the `meta`/`status` documents
(docs/collector-contract.md, "Encoding").

Compact, map keys sorted at every level, `<`, `>`, `&`, U+2028 and U+2029 escaped as
`\\u003c` ..., other non-ASCII written raw, invalid UTF-8 (lone surrogates in a Python str)
replaced by U+FFFD. Upstream's e2e tests compare these strings byte for byte.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

_ESCAPES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def go_json(document: Any) -> str:
    """Serialize `document` (dicts, lists, strings, numbers, bools, None) like Go does."""
    try:
        raw = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        # orjson refuses lone surrogates: Go writes U+FFFD for each invalid byte instead.
        raw = orjson.dumps(_replace_surrogates(document), option=orjson.OPT_SORT_KEYS)
    for plain, escaped in _ESCAPES:
        if plain in raw:
            raw = raw.replace(plain, escaped)
    return raw.decode()


def _replace_surrogates(document: Any) -> Any:
    if isinstance(document, str):
        return _SURROGATE.sub("\ufffd", document)
    if isinstance(document, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in document.items()}
    if isinstance(document, list | tuple):
        return [_replace_surrogates(item) for item in document]
    return document
