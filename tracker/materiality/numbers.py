"""Quantities in policy text: durations, amounts of money, age limits, percentages.

Word numbers and units are normalised, so "12 months" and "one year" compare equal, and
"twelve (12) months" reads as 12 months.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_SMALL = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
     "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"])}
_TENS = {w: 10 * (i + 2) for i, w in enumerate(
    ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_WORD = "|".join(sorted(list(_SMALL) + list(_TENS) + list(_SCALES), key=len, reverse=True))
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
NUMBER = rf"(?:{_DIGITS}|(?:{_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_WORD}))*|an?|one-half|half an?)"
_PAREN = r"(?:\s*\(\s*(?P<paren>\d+(?:\.\d+)?)\s*\))?"

DAYS_PER = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1.0, "business day": 1.4, "working day": 1.4,
            "calendar day": 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}

_DURATION = re.compile(
    rf"(?<![\w$€£.,])(?P<num>{NUMBER}){_PAREN}[\s-]*(?:(?P<qual>business|working|calendar)[\s-]+)?"
    r"(?P<unit>minutes?|hours?|days?|weeks?|months?|years?)(?![\w])", re.IGNORECASE)
_NOT_AGE_UNIT = (r"(?![\d,.]*\s*(?:%|percent|minutes?|hours?|days?|weeks?|months?|business|working|calendar"
                 r"|dollars?|euros?|pounds?))")
_AGE = re.compile(
    rf"(?:(?<![\w])(?:under|below|younger\s+than)\s+(?:the\s+age\s+of\s+|age\s+)?(?P<a>{_DIGITS}|{_WORD}){_NOT_AGE_UNIT}"
    r"(?:\s+years?(?:\s+(?:of\s+age|old))?)?"
    rf"|(?<![\w])(?:aged?|age\s+of)\s+(?P<b>{_DIGITS}|{_WORD})(?:\s+years?(?:\s+(?:of\s+age|old))?)?"
    rf"|(?<![\w$€£.,])(?P<c>{_DIGITS}|{_WORD})\s*(?:years?\s+(?:of\s+age|old)|or\s+older|and\s+(?:older|over|above)|\+(?=\s)))",
    re.IGNORECASE)
_CURRENCY = {"$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "us dollars": "USD",
             "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
             "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP"}
_MONEY = re.compile(
    rf"(?P<cur1>US\$|USD|EUR|GBP|\$|€|£)\s?(?P<amt1>{_DIGITS})"
    rf"|(?<![\w.,])(?P<amt2>{_DIGITS}|{NUMBER})\s?(?P<cur2>USD|EUR|GBP|US\s+dollars|dollars?|euros?|pounds?)(?![\w])",
    re.IGNORECASE)
_PERCENT = re.compile(rf"(?<![\w.,])(?P<num>{_DIGITS}|{_WORD})\s?(?:%|percent|per\s+cent)", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    kind: str                 # "duration" | "money" | "age" | "percent"
    value: float              # days for durations, years for ages, amount for money, percent
    unit: str                 # "days", "years", a currency code, "%"
    text: str                 # as written
    span: tuple[int, int]


def parse_number(text: str) -> float | None:
    """'30' -> 30, '1,000' -> 1000, 'six' -> 6, 'twenty-four' -> 24, 'one hundred eighty' -> 180, 'a' -> 1."""
    t = text.strip().lower()
    if not t:
        return None
    if re.fullmatch(_DIGITS, t):
        return float(t.replace(",", ""))
    if t in ("a", "an"):
        return 1.0
    if t in ("one-half", "half a", "half an"):
        return 0.5
    total, current = 0, 0
    for w in re.split(r"[\s-]+", t):
        if w == "and":
            continue
        if w in _SMALL:
            current += _SMALL[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w in ("thousand", "million"):
            total += max(current, 1) * _SCALES[w]
            current = 0
        else:
            return None
    return float(total + current)


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < b and a < span[1] for a, b in taken)


# Words or signs one of which each pattern's match contains (lowercased): without any, the
# (slow) scan is skipped.
_NEEDS = {
    _AGE: ("under", "below", "younger", "age", "old", "over", "above", "+"),
    _MONEY: ("$", "\u20ac", "\u00a3", "usd", "eur", "gbp", "dollar", "pound"),
    _DURATION: ("minute", "hour", "day", "week", "month", "year"),
    _PERCENT: ("%", "percent", "per cent"),
}


def _scan(pattern: re.Pattern, text: str, low: str):
    return pattern.finditer(text) if any(w in low for w in _NEEDS[pattern]) else iter(())


@lru_cache(maxsize=4096)
def extract(text: str) -> tuple[Quantity, ...]:
    """All quantities in text, in order of appearance."""
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    low = text.lower()
    for m in _scan(_AGE, text, low):
        raw = m.group("a") or m.group("b") or m.group("c")
        value = parse_number(raw)
        if value is None or not 1 <= value <= 120:
            continue
        found.append(Quantity("age", value, "years", m.group(0).strip(), m.span()))
        taken.append(m.span())
    for m in _scan(_MONEY, text, low):
        if _overlaps(m.span(), taken):
            continue
        cur = (m.group("cur1") or m.group("cur2") or "").lower()
        cur = re.sub(r"\s+", " ", cur)
        value = parse_number(m.group("amt1") or m.group("amt2") or "")
        if value is None:
            continue
        found.append(Quantity("money", value, _CURRENCY.get(cur, cur.upper()), m.group(0).strip(), m.span()))
        taken.append(m.span())
    for m in _scan(_DURATION, text, low):
        if _overlaps(m.span(), taken):
            continue
        value = parse_number(m.group("paren") or m.group("num"))
        if value is None:
            continue
        unit = m.group("unit").lower().rstrip("s")
        qual = (m.group("qual") or "").lower()
        per = DAYS_PER.get(f"{qual} {unit}" if qual else unit, DAYS_PER[unit])
        found.append(Quantity("duration", value * per, "days", m.group(0).strip(), m.span()))
        taken.append(m.span())
    for m in _scan(_PERCENT, text, low):
        if _overlaps(m.span(), taken):
            continue
        value = parse_number(m.group("num"))
        if value is not None:
            found.append(Quantity("percent", value, "%", m.group(0).strip(), m.span()))
    found.sort(key=lambda q: q.span)
    return tuple(found)


def compare(old: Quantity, new: Quantity) -> str:
    """'same', 'increase', 'decrease', or 'incomparable' (different kinds or currencies)."""
    if old.kind != new.kind or old.unit != new.unit:
        return "incomparable"
    tolerance = {"duration": 0.03, "money": 0.005, "age": 0.0, "percent": 0.0}[old.kind]
    hi = max(abs(old.value), abs(new.value))
    if abs(old.value - new.value) <= tolerance * hi + 1e-9:
        return "same"
    return "increase" if new.value > old.value else "decrease"
