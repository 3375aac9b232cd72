"""A finding of one detector: what the classifier's detectors return and turn into reasons."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Signal:
    adverse: bool
    category: str
    signal: str
    detail: str
    old: str = ""
    new: str = ""
    new_sentence: int | None = None   # index of the new sentence it is about, when known
    neutral: bool = False             # neither adverse nor favourable (e.g. a new address)

    @property
    def favourable(self) -> bool:
        return not self.adverse and not self.neutral
