"""The materiality rules: loaded from the shipped TOML file, extendable by the user.

Everything the classifier knows about words (negations, data kinds, purposes, recipients, rights,
qualifiers, high-risk terms, quantity contexts, places) lives in ``tracker/rules/materiality.toml``.
This module turns that data into compiled, immutable :class:`Rules`.

User extensions (``load_rules(extra)``) have this shape; every key is optional::

    {
      "escalate_favourable": True,                   # favourable changes become "material"
      "categories": {"biometrics": ["face*"]},       # new category, or more terms for one
      "lexicons": {
        "negation": ["nie"],                          # flat lists: extra words
        "data_kind": {"vehicle data": ["vin", "odometer*"],          # new entry (terms) ...
                      "health data": {"terms": ["glucose"]},         # ... or more terms
                      "voice": {"terms": ["voice*"], "category": "collection",
                                "sensitive": True}},
        "high_risk": {"liquidated damages": {"terms": ["liquidated damages"],
                                             "category": "liability"}},
      },
      "places": {"Jersey": ["bailiwick of jersey"]},
    }

Mistakes raise ``ValueError`` naming the offending key (``lexicons.data_kind.voice.category``).
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

FLAT_LEXICONS = ("negation", "negation_exempt", "boilerplate", "clause_breaks", "practice_verbs",
                 "protected_words", "entity_suffixes", "local_only", "user_prohibition", "softeners",
                 "vacuous_exceptions", "broad_scope", "parties", "vague_periods", "permission_verbs",
                 "grant_words", "immediate_periods", "place_limits", "object_qualifiers",
                 "disclaimers")
ENTRY_LEXICONS = ("data_kind", "purpose", "recipient", "tracker", "action", "right", "qualifier",
                  "high_risk", "quantity_context")
_DEFAULT_CATEGORY = {"data_kind": "collection", "purpose": "collection", "recipient": "sharing",
                     "tracker": "tracking", "action": "collection", "right": "rights",
                     "qualifier": "", "high_risk": "other", "quantity_context": ""}
_RIGHT_KINDS = ("right", "choice", "protection")


def term_pattern(term: str) -> str:
    """Regex source for one term (see the syntax notes at the top of the rules file)."""
    parts = []
    for part in term.lower().strip().split(" ... "):
        part = part.strip()
        wildcard = part.endswith("*")
        body = part.rstrip("*")
        out = []
        for ch in body:
            if ch == " ":
                out.append(r"[\s\-]+")
            elif ch == "-":
                out.append(r"[\s\-]?")
            elif ch == "'":
                out.append(r"'?")
            else:
                out.append(re.escape(ch))
        src = "".join(out)
        start = r"\b" if body[:1].isalnum() else ""
        end = r"\w*" if wildcard else (r"(?![\w])" if body[-1:].isalnum() else "")
        parts.append(start + src + end)
    return r"[^.;:]{0,60}?".join(parts)


_NOT_LITERAL = re.compile(r"[ \-'*]+")


def term_anchor(term: str) -> str:
    """The longest stretch of a term that its pattern (:func:`term_pattern`) matches literally.

    Spaces, hyphens and apostrophes are flexible in the pattern and ``*`` is a wildcard, so the
    anchor stops at them. Any text the pattern matches, lowercased, contains the anchor: a cheap
    ``anchor in text`` test rules a term out before a regex scan. "" means no such stretch."""
    runs = [r for part in term.lower().strip().split(" ... ") for r in _NOT_LITERAL.split(part.strip())]
    return max(runs, key=len, default="")


def compile_terms(terms: tuple[str, ...] | list[str], flags: int = 0) -> re.Pattern | None:
    if not terms:
        return None
    # longest first so "do not track" wins over "not"
    ordered = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    return re.compile("|".join(f"(?:{term_pattern(t)})" for t in ordered), flags)


def _required(pattern: re.Pattern | None, key: str) -> re.Pattern:
    if pattern is None:
        raise ValueError(f"materiality rules: {key}: needs at least one term")
    return pattern


@dataclass(frozen=True)
class Entry:
    """One named thing the rules recognise: a data kind, a purpose, a right, a place ..."""

    name: str
    category: str
    terms: tuple[str, ...]
    kind: str = ""            # right/choice/protection; duration/money/age for quantity contexts
    sensitive: bool = False
    adverse: str = ""         # quantity contexts: "increase" or "decrease"
    pattern: re.Pattern | None = field(default=None, compare=False, repr=False)

    def search(self, text: str) -> re.Match | None:
        return self.pattern.search(text) if self.pattern is not None else None

    @cached_property
    def anchors(self) -> tuple[str, ...] | None:
        """One :func:`term_anchor` per term, or None when some term has none (no pre-filter)."""
        found = tuple(dict.fromkeys(term_anchor(t) for t in self.terms))
        return None if not found or "" in found else found

    def may_occur(self, low: str) -> bool:
        """False only when the pattern cannot match the lowercased text ``low``. For entries
        compiled by :func:`compile_terms` (lexicons, categories, contexts), not for places."""
        anchors = self.anchors
        return anchors is None or any(a in low for a in anchors)

    def first_anchor(self, low: str) -> int:
        """Where the first anchor occurs in ``low`` (0 without anchors), -1 when none does: no
        match of the pattern can lie wholly before that position."""
        anchors = self.anchors
        if anchors is None:
            return 0
        found = [i for i in (low.find(a) for a in anchors) if i >= 0]
        return min(found) if found else -1


@dataclass(frozen=True)
class Rules:
    escalate_favourable: bool
    spelling_min_length: int
    new_practice_novelty: float
    categories: Mapping[str, Entry]
    negation: re.Pattern
    negation_exempt: re.Pattern | None
    negation_labels: tuple[tuple[str, str], ...]
    boilerplate: re.Pattern | None
    clause_breaks: tuple[str, ...]
    practice_verbs: re.Pattern | None
    protected_words: frozenset[str]
    entity_suffixes: tuple[str, ...]
    contexts: Mapping[str, Entry]
    data_kinds: tuple[Entry, ...]
    purposes: tuple[Entry, ...]
    recipients: tuple[Entry, ...]
    trackers: tuple[Entry, ...]
    actions: tuple[Entry, ...]
    rights: tuple[Entry, ...]
    qualifiers: tuple[Entry, ...]
    high_risk: tuple[Entry, ...]
    quantity_contexts: tuple[Entry, ...]
    places: tuple[Entry, ...]
    # context and direction (issue 13): each one compiled alternation of its words
    local_only: re.Pattern | None = None
    user_prohibition: re.Pattern | None = None
    softeners: re.Pattern | None = None
    vacuous_exceptions: re.Pattern | None = None
    broad_scope: re.Pattern | None = None
    parties: re.Pattern | None = None
    vague_periods: re.Pattern | None = None
    permission_verbs: re.Pattern | None = None
    grant_words: re.Pattern | None = None
    immediate_periods: re.Pattern | None = None
    place_limits: re.Pattern | None = None
    object_qualifiers: re.Pattern | None = None
    disclaimers: re.Pattern | None = None
    vocabulary: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # term_anchor of each boilerplate term ("" in it: no pre-filter), for a cheap test on ASCII text
    boilerplate_anchors: tuple[str, ...] = field(default=("",), compare=False, repr=False)

    def category_names(self) -> tuple[str, ...]:
        return tuple(self.categories)


# --------------------------------------------------------------------------------------------
# loading and merging
# --------------------------------------------------------------------------------------------

def _shipped() -> dict:
    data = resources.files("tracker").joinpath("rules/materiality.toml").read_bytes()
    return tomllib.loads(data.decode("utf-8"))


def _terms(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(t, str) and t.strip() for t in value):
        raise ValueError(f"materiality rules: {key}: expected a list of non-empty strings")
    return list(value)


def _merge(raw: dict, extra: Mapping) -> dict:
    raw = copy.deepcopy(raw)
    if not isinstance(extra, Mapping):
        raise ValueError("materiality rules: extension must be a mapping")
    for key, value in extra.items():
        if key == "escalate_favourable":
            if not isinstance(value, bool):
                raise ValueError("materiality rules: escalate_favourable: expected true or false")
            raw["settings"]["escalate_favourable"] = value
        elif key == "categories":
            if not isinstance(value, Mapping):
                raise ValueError("materiality rules: categories: expected a table of term lists")
            for name, terms in value.items():
                if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                    raise ValueError(f"materiality rules: categories.{name}: category names are "
                                     "lowercase letters, digits and underscores")
                raw["categories"].setdefault(name, []).extend(_terms(terms, f"categories.{name}"))
        elif key == "places":
            if not isinstance(value, Mapping):
                raise ValueError("materiality rules: places: expected a table of alias lists")
            for name, aliases in value.items():
                raw["places"].setdefault(name, []).extend(_terms(aliases, f"places.{name}"))
        elif key == "lexicons":
            if not isinstance(value, Mapping):
                raise ValueError("materiality rules: lexicons: expected a table")
            for lex, items in value.items():
                _merge_lexicon(raw, lex, items)
        else:
            raise ValueError(f"materiality rules: {key}: unknown key (expected escalate_favourable, "
                             "categories, lexicons or places)")
    return raw


def _merge_lexicon(raw: dict, lex: str, items: Any) -> None:
    if lex in FLAT_LEXICONS:
        raw["lexicons"][lex].extend(_terms(items, f"lexicons.{lex}"))
        return
    if lex not in ENTRY_LEXICONS:
        raise ValueError(f"materiality rules: lexicons.{lex}: unknown lexicon "
                         f"(known: {', '.join(FLAT_LEXICONS + ENTRY_LEXICONS)})")
    if not isinstance(items, Mapping):
        raise ValueError(f"materiality rules: lexicons.{lex}: expected a table of entries")
    entries = raw.setdefault(lex, [])
    by_name = {e["name"]: e for e in entries}
    for name, spec in items.items():
        key = f"lexicons.{lex}.{name}"
        if not isinstance(spec, Mapping):
            spec = {"terms": spec}
        unknown = set(spec) - {"terms", "category", "sensitive", "kind", "adverse"}
        if unknown:
            raise ValueError(f"materiality rules: {key}.{sorted(unknown)[0]}: unknown field")
        terms = _terms(spec.get("terms", []), f"{key}.terms") if "terms" in spec else []
        if name in by_name:
            entry = by_name[name]
            entry["terms"] = list(entry.get("terms", [])) + terms
        else:
            if not terms and lex != "quantity_context":
                raise ValueError(f"materiality rules: {key}.terms: a new entry needs terms")
            entry = {"name": name, "terms": terms, "category": _DEFAULT_CATEGORY[lex]}
            if lex == "right":
                entry["kind"] = "right"
            entries.append(entry)
            by_name[name] = entry
        for fld in ("category", "kind", "adverse"):
            if fld in spec:
                if not isinstance(spec[fld], str):
                    raise ValueError(f"materiality rules: {key}.{fld}: expected a string")
                entry[fld] = spec[fld]
        if "sensitive" in spec:
            if not isinstance(spec["sensitive"], bool):
                raise ValueError(f"materiality rules: {key}.sensitive: expected true or false")
            entry["sensitive"] = spec["sensitive"]


def _build_entries(raw: dict, lex: str, categories: Mapping[str, Entry]) -> tuple[Entry, ...]:
    out = []
    for i, e in enumerate(raw.get(lex, [])):
        name = e.get("name") or f"{lex}[{i}]"
        key = f"lexicons.{lex}.{name}"
        cat = e.get("category", _DEFAULT_CATEGORY[lex])
        if cat and cat not in categories:
            raise ValueError(f"materiality rules: {key}.category: unknown category {cat!r}")
        kind = e.get("kind", "")
        if lex == "right" and kind not in _RIGHT_KINDS:
            raise ValueError(f"materiality rules: {key}.kind: expected one of {_RIGHT_KINDS}")
        if lex == "quantity_context":
            if kind not in ("duration", "money", "age", "percent"):
                raise ValueError(f"materiality rules: {key}.kind: expected duration, money, age or percent")
            if e.get("adverse") not in ("increase", "decrease"):
                raise ValueError(f"materiality rules: {key}.adverse: expected increase or decrease")
        terms = tuple(_terms(e.get("terms", []), f"{key}.terms")) if e.get("terms") else ()
        try:
            pattern = compile_terms(terms)
        except re.error as exc:  # pragma: no cover - terms are escaped
            raise ValueError(f"materiality rules: {key}.terms: {exc}") from None
        out.append(Entry(name, cat, terms, kind, bool(e.get("sensitive", False)),
                         e.get("adverse", ""), pattern))
    return tuple(out)


def _place_entries(raw: Mapping[str, list[str]], kind: str) -> tuple[Entry, ...]:
    out = []
    for name, aliases in raw.items():
        insensitive = [a for a in aliases if not (a.upper() == a and any(c.isalpha() for c in a))]
        sensitive = [a for a in aliases if a not in insensitive]
        parts = []
        if insensitive:
            longest_first = sorted(insensitive, key=len, reverse=True)
            parts.append("(?i:" + "|".join(f"(?:{term_pattern(a)})" for a in longest_first) + ")")
        for a in sorted(sensitive, key=len, reverse=True):
            end = r"(?![\w])" if a[-1].isalnum() else r"(?![\w.])"
            parts.append(r"(?<![\w.])" + re.escape(a) + end)
        out.append(Entry(name, "international", tuple(aliases), kind=kind, pattern=re.compile("|".join(parts))))
    return tuple(out)


def build_rules(raw: dict) -> Rules:
    try:
        settings = raw["settings"]
        lex = raw["lexicons"]
        cat_raw = raw["categories"]
    except KeyError as exc:
        raise ValueError(f"materiality rules: {exc.args[0]}: missing table") from None
    categories = MappingProxyType({name: Entry(name, name, tuple(_terms(t, f"categories.{name}")) if t else (),
                                               pattern=compile_terms(tuple(t)))
                                   for name, t in cat_raw.items()})
    if "other" not in categories:
        raise ValueError("materiality rules: categories.other: the fallback category is required")
    for name, t in raw.get("contexts", {}).items():
        _terms(t, f"contexts.{name}")
    contexts = MappingProxyType({name: Entry(name, "", tuple(t), pattern=compile_terms(tuple(t)))
                                 for name, t in raw.get("contexts", {}).items()})
    labels = []
    for i, pair in enumerate(lex.get("negation_labels", [])):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise ValueError(f"materiality rules: lexicons.negation_labels[{i}]: expected [label, token]")
        labels.append((pair[0], pair[1]))
    entries = {lx: _build_entries(raw, lx, categories) for lx in ENTRY_LEXICONS}
    vocab = set(lex.get("protected_words", []))
    for lx in ENTRY_LEXICONS:
        for e in entries[lx]:
            for t in e.terms:
                vocab.update(w for w in re.findall(r"[a-z]+", t.lower()) if len(w) > 2)
    for e in categories.values():
        for t in e.terms:
            vocab.update(w for w in re.findall(r"[a-z]+", t.lower()) if len(w) > 2)
    spelling_min = settings.get("spelling_min_length", 6)
    novelty = settings.get("new_practice_novelty", 0.5)
    if not isinstance(spelling_min, int) or spelling_min < 3:
        raise ValueError("materiality rules: settings.spelling_min_length: expected an integer >= 3")
    if not isinstance(novelty, (int, float)) or not 0 < novelty <= 1:
        raise ValueError("materiality rules: settings.new_practice_novelty: expected a number in (0, 1]")
    return Rules(
        escalate_favourable=bool(settings.get("escalate_favourable", False)),
        spelling_min_length=spelling_min,
        new_practice_novelty=float(novelty),
        categories=categories,
        negation=_required(compile_terms(tuple(lex["negation"])), "lexicons.negation"),
        negation_exempt=compile_terms(tuple(lex.get("negation_exempt", []))),
        negation_labels=tuple(sorted(labels, key=lambda p: len(p[0]), reverse=True)),
        boilerplate=compile_terms(tuple(lex.get("boilerplate", []))),
        clause_breaks=tuple(lex.get("clause_breaks", [])),
        practice_verbs=compile_terms(tuple(lex.get("practice_verbs", []))),
        protected_words=frozenset(w.lower() for w in lex.get("protected_words", [])),
        entity_suffixes=tuple(lex.get("entity_suffixes", [])),
        contexts=contexts,
        data_kinds=entries["data_kind"],
        purposes=entries["purpose"],
        recipients=entries["recipient"],
        trackers=entries["tracker"],
        actions=entries["action"],
        rights=entries["right"],
        qualifiers=entries["qualifier"],
        high_risk=entries["high_risk"],
        quantity_contexts=entries["quantity_context"],
        places=_place_entries(raw.get("places", {}), "country")
        + _place_entries(raw.get("subnational_places", {}), "subnational"),
        **{name: compile_terms(tuple(lex.get(name, []))) for name in FLAT_LEXICONS[7:]},
        vocabulary=frozenset(vocab),
        boilerplate_anchors=tuple(dict.fromkeys(term_anchor(t) for t in lex.get("boilerplate", []) if t.strip()))
        or ("",),
    )


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    return build_rules(_shipped())


def load_rules(extra: Mapping | None = None) -> Rules:
    """The shipped rules, optionally extended (see the module docstring for the shape)."""
    if not extra:
        return default_rules()
    return build_rules(_merge(_shipped(), extra))
