"""Context and direction: signals judged on the sentence that changed, word by word.

Each detector looks at an aligned pair of sentences (old i, new j) that differ, and at the words
inserted into or deleted from it (the project's bounded word diff): a qualifier inserted into a
promise, a clause whose scope changed, a longer list of permitted actions or recipients, a vague
period that became a long fixed one, an age limit or a period added or removed. Quotes are the
changed words with a little context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from .. import textdiff
from . import numbers
from .features import Side, categorize
from .rules import Rules
from .signals import Signal
from .text import excerpt

Pairs = list[tuple[int | None, int | None]]
_YEAR_DAYS = 365.0
_LIST_ITEM = re.compile(r"^\s*,?\s*(?:and\s+|or\s+)?[\w][\w\s'/-]{1,60}?,?\s*(?:and|or)?\s*$")


def _changed_pairs(o: Side, n: Side, pairs: Pairs) -> Iterator[tuple[int, int, str, str]]:
    for i, j in pairs:
        if i is not None and j is not None and o.sentences[i] != n.sentences[j]:
            yield i, j, o.sentences[i], n.sentences[j]


@lru_cache(maxsize=512)
def _words(a: str, b: str, cleanup: bool) -> tuple[tuple[str, str], ...]:
    """The word diff of two sentences (each detector asks for the same few)."""
    return tuple(textdiff.diff_words(a, b, deadline=0.05, cleanup=cleanup))


def _edits(a: str, b: str) -> tuple[list[str], list[str]]:
    """(deleted pieces, inserted pieces) of the word diff of two sentences."""
    deleted: list[str] = []
    inserted: list[str] = []
    for op, text in _words(a, b, False):
        if op == "delete":
            deleted.append(text)
        elif op == "insert":
            inserted.append(text)
    return deleted, inserted


def quote_change(a: str, b: str, words: int = 6) -> tuple[str, str]:
    """The changed words of two sentences with up to ``words`` words of context either side,
    cut at whole words ("" for a side that had nothing there)."""
    segs = _words(a, b, True)
    changed = [k for k, (op, _) in enumerate(segs) if op != "equal"]
    if not changed:
        return excerpt(a), excerpt(b)
    first, last = changed[0], changed[-1]
    before = segs[first - 1][1] if first > 0 and segs[first - 1][0] == "equal" else ""
    after = segs[last + 1][1] if last + 1 < len(segs) and segs[last + 1][0] == "equal" else ""
    head = before.split(" ")
    tail = after.split(" ")
    pre = (("\u2026" if len(head) > words else "") + " ".join(head[-words:])) if before else ""
    post = (" ".join(tail[:words]) + ("\u2026" if len(tail) > words else "")) if after else ""
    middle = segs[first:last + 1]
    old = "".join(t for op, t in middle if op != "insert")
    new = "".join(t for op, t in middle if op != "delete")
    return (excerpt(pre + old + post, None, 200) if old.strip() else "",
            excerpt(pre + new + post, None, 200) if new.strip() else "")


def _promise(side: Side, index: int, rules: Rules) -> bool:
    """A sentence that promises users something: a negated company statement, or a right,
    choice or protection."""
    if any(c.negated and not c.user for c in side.clauses_at(index)):
        return True
    low = side.sentences[index].lower()
    return any(r.search(low) for r in side.candidates(rules.rights))


def softened(o: Side, n: Side, pairs: Pairs, rules: Rules, section: str) -> list[Signal]:
    """A qualifier inserted into a promise: "we do not train ..." -> "by default, we do not train"."""
    out: list[Signal] = []
    if rules.softeners is None:
        return out
    for i, j, a, b in _changed_pairs(o, n, pairs):
        before = {m.group(0) for m in rules.softeners.finditer(a.lower())}
        added = [m for m in rules.softeners.finditer(b.lower()) if m.group(0) not in before]
        if not added or not _promise(o, i, rules):
            continue
        deleted, inserted = _edits(a, b)
        # inserted into the promise, which otherwise stays: a few words in, hardly any out
        into = [p for p in inserted if rules.softeners.search(p.lower()) and len(p.split()) <= 15]
        if not into or sum(len(d.split()) for d in deleted) > 3:
            continue
        qo, qn = quote_change(a, b)
        out.append(Signal(True, categorize([b], "", rules) if categorize([b], "", rules) != "other"
                          else categorize([b], section, rules), "promise_softened",
                          f"qualifier inserted into a promise: \u201c{added[0].group(0)}\u201d", qo, qn, j))
    return out


def scope(o: Side, n: Side, pairs: Pairs, rules: Rules) -> list[Signal]:
    """Whom or what a clause covers changed: "any claims arising out of" -> "any claims you bring"
    in a disputes clause; "citizens of EU countries" -> "users from EU countries"."""
    out: list[Signal] = []
    law = rules.contexts.get("law")
    venue = rules.contexts.get("venue")
    for i, j, a, b in _changed_pairs(o, n, pairs):
        la, lb = a.lower(), b.lower()
        disputes = any(c is not None and c.search(la) and c.search(lb) for c in (law, venue))
        if disputes and rules.broad_scope is not None:
            lost = sorted({m.group(0) for m in rules.broad_scope.finditer(la)}
                          - {m.group(0) for m in rules.broad_scope.finditer(lb)})
            if lost:
                qo, qn = quote_change(a, b)
                out.append(Signal(True, "disputes", "scope_changed",
                                  f"scope of a disputes clause changed: \u201c{lost[0]}\u201d gone", qo, qn, j))
                continue
        if rules.parties is None:
            continue
        pa = {m.group(0) for m in rules.parties.finditer(la)}
        pb = {m.group(0) for m in rules.parties.finditer(lb)}
        if not pa or not pb or pa == pb or pa & pb:
            continue
        ages = [q for q in numbers.extract(b) if q.kind == "age"]
        places = n.places_in_sentence(b)
        if ages or places:
            qo, qn = quote_change(a, b)
            out.append(Signal(True, "children" if ages else "international", "scope_changed",
                              f"who the clause covers changed: {', '.join(sorted(pa))} -> {', '.join(sorted(pb))}",
                              qo, qn, j))
    return out


def longer_list(o: Side, n: Side, pairs: Pairs, rules: Rules, section: str) -> list[Signal]:
    """A list of permitted actions or of recipients that grew."""
    out: list[Signal] = []
    sharing = rules.contexts.get("sharing")
    for i, j, a, b in _changed_pairs(o, n, pairs):
        deleted, inserted = _edits(a, b)
        kept = b.lower()
        if not inserted or any(d.strip(" ,").lower() not in ("", "and", "or") and d.strip(" ,").lower() not in kept
                               for d in deleted):
            continue  # only additions (and items moved within the list) make a list longer
        la, lb = a.lower(), b.lower()
        if rules.grant_words is not None and rules.permission_verbs is not None and rules.grant_words.search(lb):
            verbs_a = {m.group(0) for m in rules.permission_verbs.finditer(la)}
            new = [m.group(0) for p in inserted for m in rules.permission_verbs.finditer(p.lower())
                   if m.group(0) not in verbs_a]
            if new and verbs_a:
                qo, qn = quote_change(a, b)
                cat = "content_license" if re.search(r"licen|content", lb) else categorize([b], section, rules)
                out.append(Signal(True, cat, "permission_expanded",
                                  f"more permitted actions: {', '.join(dict.fromkeys(new))}", qo, qn, j))
                continue
        if sharing is None or not sharing.search(lb) or "," not in a:
            continue
        items = [p.strip(" ,") for p in inserted if "," in p and _LIST_ITEM.match(p)]
        recipients = [x for x in items if any(r.search(x.lower()) or re.search(r"(?:provider|partner|compan|firm|"
                                              r"advertiser|processor|vendor|agenc|broker|network)s?\b", x.lower())
                                              for r in rules.recipients)]
        if recipients:
            qo, qn = quote_change(a, b)
            out.append(Signal(True, "sharing", "recipient_added",
                              f"recipient added to a list: {', '.join(recipients)}", qo, qn, j))
    return out


def periods(o: Side, n: Side, pairs: Pairs, rules: Rules, section: str) -> list[Signal]:
    """A vague period made a long fixed one; an age limit dropped; a period extended."""
    out: list[Signal] = []
    retention = next((c for c in rules.quantity_contexts if c.name == "retention"), None)
    changed = [(i, j, o.sentences[i] if i is not None else "", n.sentences[j]) for i, j in pairs
               if j is not None and (i is None or o.sentences[i] != n.sentences[j])]
    for i, j, a, b in changed:
        qa, qb = numbers.extract(a), numbers.extract(b)
        da = [q for q in qa if q.kind == "duration"]
        db = [q for q in qb if q.kind == "duration"]
        if (not da and db and rules.vague_periods is not None and rules.vague_periods.search(a.lower())
                and retention is not None and retention.search(b.lower()) and max(q.value for q in db) >= _YEAR_DAYS):
            q = max(db, key=lambda x: x.value)
            out.append(Signal(True, "retention", "period_fixed",
                              f"vague period replaced by a long fixed one: \u201c{q.text}\u201d",
                              excerpt(a), excerpt(b, q.span), j))
        elif len(db) > len(da) and re.search(r"\b(?:more time|extend|extension|another|additional)\b", b.lower()):
            extra = db[len(da)]
            around = (b + " " + (n.sentences[j - 1] if j > 0 else "")).lower()   # a follow-up sentence
            for ctx in rules.quantity_contexts:
                if ctx.kind == "duration" and ctx.adverse == "increase" and ctx.search(around):
                    out.append(Signal(True, ctx.category or categorize([b], section, rules), "period_extended",
                                      f"period may be extended: {ctx.name}: \u201c{extra.text}\u201d",
                                      excerpt(a), excerpt(b, extra.span), j))
                    break
    ages_o = [(s, q) for s in o.sentences for q in numbers.extract(s) if q.kind == "age"]
    ages_n = [q for s in n.sentences for q in numbers.extract(s) if q.kind == "age"]
    if ages_o and not ages_n:
        s, q = ages_o[0]
        out.append(Signal(True, "children", "age_limit_removed", f"age limit removed: \u201c{q.text}\u201d",
                          excerpt(s, q.span), ""))
    return out


def context_signals(o: Side, n: Side, pairs: Pairs, rules: Rules, section: str) -> list[Signal]:
    return (softened(o, n, pairs, rules, section) + scope(o, n, pairs, rules)
            + longer_list(o, n, pairs, rules, section) + periods(o, n, pairs, rules, section))
