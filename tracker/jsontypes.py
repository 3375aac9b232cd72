"""The shapes of every `--format json` output, as types.

Each ``to_json()`` is annotated with its shape here, so mypy checks that the code builds what is
documented; ``json_schema()`` turns the same types into the JSON Schema of docs/json-schema.json
(a test validates every command's output against it). Extend a shape, never rename a key.
"""

from __future__ import annotations

from typing import (
    Any,
    Literal,
    NotRequired,  # pydantic reads its annotations on Python 3.11
)

from typing_extensions import TypedDict

from tracker.model import ChangeKind, Level, Outcome


class SectionJSON(TypedDict):
    heading: str
    level: int  # heading level 1-6; 0 for the text before the first heading
    path: list[str]  # headings from the top down to this one
    text: str


class DroppedJSON(TypedDict):
    reason: Literal["hidden", "chrome", "outside-block", "removed-by-selector"]
    words: int
    path: str  # a short CSS path to the dropped block
    sample: str  # its first words


class CoverageJSON(TypedDict):
    """What normalization kept of a page and each block of 20+ words it dropped, with the reason."""

    kept_words: int
    page_words: int  # words in the page body
    dropped: list[DroppedJSON]


class DocumentJSON(TypedDict):
    """`tracker normalize --format json`"""

    title: str
    digest: str  # SHA-256 of the markdown
    markdown: str
    sections: list[SectionJSON]
    coverage: NotRequired[CoverageJSON]  # present when the document was made from a page


class StoredTextJSON(DocumentJSON):
    """`tracker show NAME --format json`"""

    policy: str
    number: int
    created_at: str
    effective_date: str | None  # the policy's own date ("YYYY-MM-DD") from its text; null when it states none


class ReasonJSON(TypedDict):
    level: Level
    category: str
    signal: str
    section: str  # "Sharing > Partners"; "" for a bare text pair
    detail: str
    old: str
    new: str


class MaterialityJSON(TypedDict):
    level: Level
    categories: list[str]
    reasons: list[ReasonJSON]


class BlockJSON(TypedDict):
    op: Literal["insert", "delete", "replace"]
    old: str | None
    new: str | None
    inline: list[list[str]]  # [op, text] pairs, op "equal" | "insert" | "delete"


class SectionChangeJSON(TypedDict):
    kind: Literal["added", "removed", "changed"]
    old_heading: str | None
    new_heading: str | None
    old_path: list[str] | None
    new_path: list[str] | None
    renamed: bool
    moved: bool
    text_changed: bool
    level: Level
    blocks: list[BlockJSON]


class DocumentRefJSON(TypedDict):
    title: str
    digest: str


class ComparisonJSON(TypedDict):
    """`tracker compare OLD NEW --format json` and `tracker diff NAME --format json`"""

    changed: bool
    old: DocumentRefJSON
    new: DocumentRefJSON
    materiality: MaterialityJSON
    sections: list[SectionChangeJSON]


class VersionRefJSON(TypedDict):
    """Which stored version a diff side is."""

    number: int
    created_at: str  # when it was fetched
    effective_date: str | None  # the policy's own date ("YYYY-MM-DD") from its text; null when it states none


class PolicyDiffJSON(ComparisonJSON):
    """`tracker diff NAME --format json`: the comparison, and which stored versions it compares"""

    policy: str
    old_version: VersionRefJSON
    new_version: VersionRefJSON


class VersionCoverageJSON(TypedDict):
    kept_words: int
    page_words: int
    note: str | None  # set when the kept share of the page fell sharply against the previous version


class VersionJSON(TypedDict):
    number: int
    created_at: str
    kind: ChangeKind | None
    level: Level | None
    summary: str
    digest: str
    coverage: VersionCoverageJSON | None  # None for versions stored before coverage was recorded
    effective_date: str | None  # the policy's own date ("YYYY-MM-DD") from its text; null when it states none


class HistoryJSON(TypedDict):
    """`tracker history NAME --format json`"""

    policy: str
    versions: list[VersionJSON]


class CheckResultJSON(TypedDict):
    policy: str
    outcome: Outcome
    duration: float  # seconds
    version: int | None
    kind: ChangeKind | None
    level: Level | None
    summary: str | None
    error_kind: str | None
    error: str | None


class CheckRunJSON(TypedDict):
    """`tracker check --format json`"""

    results: list[CheckResultJSON]


class ReextractResultJSON(TypedDict):
    policy: str
    outcome: Outcome
    version: int | None
    error: str | None


class ReextractionJSON(TypedDict):
    """`tracker reextract --format json`"""

    results: list[ReextractResultJSON]


class PolicyStatusJSON(TypedDict):
    policy: str
    title: str
    url: str
    last_check_at: str | None
    last_outcome: Outcome | None
    last_error: str | None
    versions: int
    failing_since: str | None
    consecutive_failures: int
    next_due: str | None  # ISO 8601 (past when overdue); null: never checked, due at once


class DaemonJSON(TypedDict):
    pid: int
    host: str
    started_at: str
    heartbeat_at: str
    policies: int
    stale: bool  # the process is gone, or its heartbeat is older than a few intervals
    stale_reason: str | None


class FailedMessageJSON(TypedDict):
    id: int
    kind: Literal["change", "alert", "recovery"]
    policy: str
    recipient: str
    attempts: int
    last_error: str | None


class OutboxCountsJSON(TypedDict):
    pending: int
    sending: int
    sent: int
    failed: int


class StatusJSON(TypedDict):
    """`tracker status --format json`"""

    policies: list[PolicyStatusJSON]
    outbox: OutboxCountsJSON
    daemons: list[DaemonJSON]
    failed_messages: list[FailedMessageJSON]


class SectionPreviewJSON(TypedDict):
    heading: str
    level: int
    first_line: str


class RenderJSON(TypedDict):
    path: Literal["http", "browser"]  # how the page was fetched
    reason: str  # why (the `render` setting, or what made `auto` choose a browser)


class ValidationJSON(TypedDict):
    """`tracker validate NAME --format json`"""

    policy: str
    url: str
    title: str
    words: int
    digest: str
    stable: bool
    would_store: str
    render: RenderJSON
    problems: list[str]
    sections: list[SectionPreviewJSON]
    coverage: CoverageJSON


class ChangelogEntryJSON(TypedDict):
    number: int
    created_at: str
    kind: ChangeKind
    level: Level | None
    summary: str
    from_version: int | None
    materiality: MaterialityJSON
    effective_date: str | None  # the policy's own date ("YYYY-MM-DD") from its text; null when it states none


class ChangelogJSON(TypedDict):
    """`tracker changelog NAME --format json`"""

    policy: str
    title: str
    url: str
    changes: list[ChangelogEntryJSON]  # newest first


class MessageJSON(TypedDict):
    id: int
    kind: Literal["change", "alert", "recovery"]
    policy: str
    version: int | None
    level: Level | None
    recipient: str
    state: Literal["pending", "sending", "sent", "failed"]
    attempts: int
    next_attempt_at: str
    last_error: str | None
    message_id: str | None
    sent_at: str | None


class OutboxJSON(TypedDict):
    """`tracker notify list --format json`"""

    messages: list[MessageJSON]


class AdditionJSON(TypedDict):
    """`tracker add NAME URL --format json`"""

    policy: str
    config: str
    written: bool
    validation: ValidationJSON | None  # null when the page could not be fetched
    error: str | None


class SearchHitJSON(TypedDict):
    """A section of a stored version that matches; ``snippet`` marks each match with ``**``."""

    policy: str
    version: int
    created_at: str
    section: str
    snippet: str


class SearchJSON(TypedDict):
    """`tracker search QUERY --format json`: best hits first; ``total`` counts every hit, also those
    past ``--limit`` (``truncated``: some were left out)."""

    query: str
    hits: list[SearchHitJSON]
    total: int
    truncated: bool


COMMANDS: dict[str, type] = {
    "normalize": DocumentJSON,
    "compare": ComparisonJSON,
    "diff": PolicyDiffJSON,
    "show": StoredTextJSON,
    "history": HistoryJSON,
    "check": CheckRunJSON,
    "reextract": ReextractionJSON,
    "status": StatusJSON,
    "validate": ValidationJSON,
    "changelog": ChangelogJSON,
    "notify list": OutboxJSON,
    "search": SearchJSON,
    "add": AdditionJSON,
}
"""Each command's `--format json` shape."""


def json_schema() -> dict[str, Any]:
    """One JSON Schema document: ``$defs`` holds every shape, ``commands`` maps a command to its."""
    from pydantic import TypeAdapter

    shapes = {t.__name__: t for t in COMMANDS.values()}
    defs: dict[str, Any] = {}
    for name, shape in shapes.items():
        schema = TypeAdapter(shape).json_schema(ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        defs[name] = schema
    for schema in defs.values():  # a key the types do not name is an error, not an extension nobody saw
        if schema.get("type") == "object" and "properties" in schema:
            schema["additionalProperties"] = False
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "tracker --format json",
        "description": "Generated from tracker/jsontypes.py by scripts/json_schema.py; do not edit.",
        "commands": {command: {"$ref": f"#/$defs/{shape.__name__}"} for command, shape in COMMANDS.items()},
        "$defs": dict(sorted(defs.items())),
    }
