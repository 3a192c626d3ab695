"""Host generations: what a libsinsp of a given plugin API passes and calls.

A generation fixes the struct sizes the host allocates (members added by API 3.x exist
only from that API on), whether the `threads` table exposes its `cgroups` sub-table, and
which optional plugin entry points the host calls at all (docs/falco-versions.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

ApiVersion = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Generation:
    """One host generation, named after its plugin API and the Falco releases shipping it."""

    api: ApiVersion
    falco: str
    event_schema: str  # the lowest event schema of the Falco releases of this generation

    @property
    def name(self) -> str:
        return f"api{self.api[0]}.{self.api[1]}"

    @property
    def api_text(self) -> str:
        return ".".join(map(str, self.api))

    def has(self, since: ApiVersion) -> bool:
        """Whether this host provides what arrived in API `since`."""
        return self.api >= since

    @property
    def cgroups_sub_table(self) -> bool:
        return self.has((3, 9, 0))

    @property
    def capture_listening(self) -> bool:
        return self.has((3, 7, 0))

    @property
    def calls_schema_version(self) -> bool:
        return self.has((3, 12, 0))

    def accepts(self, required: str) -> bool:
        """The framework's API gate on the plugin's required version."""
        parts = required.split(".")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            return False
        major, minor, patch = map(int, parts)
        if major != self.api[0] or minor > self.api[1]:
            return False
        return not (minor == self.api[1] and patch > self.api[2])

    def accepts_event_schema(self, required: str) -> bool:
        """libsinsp's check of `get_required_event_schema_version` (libs >= 0.22):
        same major, and not above the host's schema."""
        want = tuple(int(p) for p in required.split("."))
        have = tuple(int(p) for p in self.event_schema.split("."))
        return len(want) == 3 and want[0] == have[0] and want <= have

    def size_of(self, struct: str) -> int:
        """Bytes of `struct` that this host allocates (LP64 offsets of the API headers)."""
        sizes = _SIZES[struct]
        return next(size for since, size in sizes if self.has(since))


#: (first API with this size, size), newest first.
_SIZES: Final[dict[str, tuple[tuple[ApiVersion, int], ...]]] = {
    "ss_plugin_init_input": (((3, 4, 1), 40), ((3, 0, 0), 32)),
    "ss_plugin_init_tables_input": (((3, 5, 0), 72), ((3, 1, 0), 56), ((3, 0, 0), 48)),
    "ss_plugin_field_extract_input": (((3, 11, 0), 80), ((3, 1, 0), 72), ((3, 0, 0), 64)),
    "ss_plugin_event_parse_input": (((3, 1, 0), 112), ((3, 0, 0), 96)),
    "ss_plugin_capture_listen_input": (((3, 9, 0), 40), ((3, 7, 0), 32), ((3, 0, 0), 0)),
}

API_3_2: Final = Generation((3, 2, 0), "0.37", "2.14.0")  # libs 0.14
API_3_6: Final = Generation((3, 6, 0), "0.38.1-0.38.2", "2.20.1")  # libs 0.17.2-0.17.3
API_3_7: Final = Generation((3, 7, 0), "0.39", "2.22.1")  # libs 0.18
API_3_10: Final = Generation((3, 10, 0), "0.40", "3.5.0")  # libs 0.20
API_3_11: Final = Generation((3, 11, 0), "0.41", "3.6.1")  # libs 0.21
API_3_12: Final = Generation((3, 12, 0), "0.42-0.44", "4.0.1")  # libs 0.22-0.25
LATEST: Final = API_3_12
#: Every emulated generation, oldest first.
GENERATIONS: Final = (API_3_2, API_3_6, API_3_7, API_3_10, API_3_11, API_3_12)


def by_name(name: str) -> Generation:
    """The generation called `name` (e.g. "api3.7")."""
    for generation in GENERATIONS:
        if generation.name == name:
            return generation
    raise KeyError(f"unknown host generation '{name}'")
