"""Characters a page must never get to a terminal or a mail header: C0 and C1 controls (terminal
escape sequences: title changes, screen clears, OSC-8 fake links) and bidi controls (which can
visually reverse text, tracker's own verdicts included).

`strip_controls` runs at normalization, so stored texts are clean; `escape_controls` runs again at
every terminal output (texts stored by an older tracker, error messages quoting a server) and makes
what was there visible instead of letting the terminal act on it.
"""

from __future__ import annotations

import dataclasses
import re
from enum import Enum
from typing import Any

_BIDI = "\u202a-\u202e\u2066-\u2069"
# whole escape sequences first (CSI ... final byte; OSC/DCS/APC/PM ... BEL or ST), so their
# parameters (a fake link's target) do not survive as text; an unterminated string loses its ESC only
_SEQUENCE = re.compile(r"(?:\x1b\[|\x9b)[0-?]{0,64}[ -/]{0,8}[@-~]"
                       r"|(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]{0,512}(?:\x07|\x1b\\|\x9c)"
                       r"|\x1b[@-Z\\-_]")
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_SPACE_LIKE = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1f\x85]")


def strip_controls(text: str) -> str:
    """Remove escape sequences, control characters (but newline and tab) and bidi controls; line
    breaks and white-space controls become a newline or a space so that words are not joined."""
    if text.isprintable() or _CONTROL.search(text) is None:  # a page's newlines and tabs alone: as is
        return text
    text = _SEQUENCE.sub("", text)
    text = _SPACE_LIKE.sub(lambda m: "\n" if m.group().startswith("\r") else " ", text)
    return _CONTROL.sub("", text)


def escape_controls(text: str) -> str:
    """Show control and bidi characters as \\x1b / \\u202e instead of sending them to a terminal."""
    if text.isprintable():
        return text
    return _CONTROL.sub(lambda m: _escaped(m.group()), text)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def json_safe(text: str) -> str:
    """JSON text (from json.dumps) whose C1 and bidi characters are written as \\uXXXX escapes, so a
    terminal never acts on them; json.dumps already escapes C0."""
    return re.sub(f"[\x7f-\x9f{_BIDI}]", lambda m: f"\\u{ord(m.group()):04x}", text)


def map_strings(value: Any, func) -> Any:
    """The same frozen dataclass (Document, Section...) with `func` applied to every string in it."""
    if isinstance(value, Enum):  # vocabulary, not text (a str-valued enum would lose its type)
        return value
    if isinstance(value, str):
        return func(value)
    if isinstance(value, tuple):
        return tuple(map_strings(v, func) for v in value)
    if isinstance(value, list):
        return [map_strings(v, func) for v in value]
    if isinstance(value, dict):
        return {k: map_strings(v, func) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: map_strings(getattr(value, f.name), func) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value
