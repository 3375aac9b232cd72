"""The values materiality returns: an Assessment with the Reasons behind it."""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("none", "minor", "material")


def max_level(levels) -> str:
    return max(levels, key=LEVELS.index, default="none")


@dataclass(frozen=True)
class Reason:
    level: str       # "none" | "minor" | "material"
    category: str    # one of the rules' categories
    signal: str      # detector or signal name: "typography", "negation_removed", "text_changed" ...
    section: str     # section path ("Retention of Information"), "" for a bare text pair
    detail: str      # one line for people: "duration longer: 30 days -> six months"
    old: str         # short excerpt of the old text ("" when nothing was there)
    new: str         # short excerpt of the new text

    def to_json(self) -> dict:
        return {"level": self.level, "category": self.category, "signal": self.signal,
                "section": self.section, "detail": self.detail, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Assessment:
    level: str
    categories: tuple[str, ...]
    reasons: tuple[Reason, ...]
    favourable: bool = False
    similarity: float = 1.0

    def to_json(self, extended: bool = False) -> dict:
        """The design.md ``materiality`` object; ``extended`` adds favourable and similarity."""
        out = {"level": self.level, "categories": list(self.categories),
               "reasons": [r.to_json() for r in self.reasons]}
        if extended:
            out["favourable"] = self.favourable
            out["similarity"] = self.similarity
        return out

    @property
    def summary(self) -> str:
        """One line: the level and the first reason."""
        if not self.reasons:
            return self.level
        return f"{self.level}: {self.reasons[0].detail}"
