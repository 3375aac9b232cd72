"""One way of writing the same words: Unicode form, invisible characters, white space."""

from __future__ import annotations

import re
import unicodedata

# Soft hyphen, zero-width spaces and joiners, direction marks, word joiner, BOM, Mongolian vowel separator.
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u180e]")


def fold(text: str) -> str:
    """Fold the ways of writing the same words: Unicode form (NFC), invisible characters, white space
    (every Unicode space, NBSP and the like, becomes one ASCII space: str.split knows them all)."""
    if text.isascii():  # most text: no Unicode forms, no invisible characters
        return " ".join(text.split())
    return " ".join(_INVISIBLE.sub("", unicodedata.normalize("NFC", text)).split())
