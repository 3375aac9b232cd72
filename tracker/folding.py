"""One way of writing the same words: Unicode form, invisible characters, white space."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u180e]")


def fold(text: str) -> str:
    """Fold the ways of writing the same words: Unicode form, invisible characters, white space."""
    if text.isascii():  # most text: no Unicode forms, no invisible characters, ASCII white space
        return " ".join(text.split())
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()
