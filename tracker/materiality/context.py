"""Context and direction: signals judged on the sentence that changed, word by word.

Each detector looks at an aligned pair of sentences (old i, new j) that differ, and at the words
inserted into or deleted from it (the project's bounded word diff): a qualifier inserted into a
promise, a clause whose scope changed, a longer list of permitted actions or recipients, a vague
period that became a long fixed one, an age limit or a period added or removed. Quotes are the
changed words with a little context.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache

from .. import textdiff
from . import numbers
from .features import Side, categorize
from .finding import Signal
from .rules import Entry, Rules
from .text import excerpt, sentence_key

Pairs = list[tuple[int | None, int | None]]
_YEAR_DAYS = 365.0
# A sentence that binds the user ("You must obtain our written permission to modify, translate ..."):
# a longer list there is a longer ban, and a verb there is the user's act, not a company practice.
USER_DUTY = re.compile(r"\byou\s+(?:must|may not|must not|can't|cannot|shall not|will not|agree not to|need to"
                       r"|have to|are required to|should)\b")
_LIST_ITEM = re.compile(r"^\s*,?\s*(?:and\s+|or\s+)?[\w][\w\s'/-]{1,60}?,?\s*(?:and|or)?\s*$")


def _changed_pairs(o: Side, n: Side, pairs: Pairs) -> Iterator[tuple[int, int, str, str]]:
    for i, j in pairs:
        if i is not None and j is not None and o.sentences[i] != n.sentences[j]:
            yield i, j, o.sentences[i], n.sentences[j]


@lru_cache(maxsize=512)
def _words(a: str, b: str, cleanup: bool) -> tuple[tuple[str, str], ...]:
    """The word diff of two sentences (each detector asks for the same few); the cleaned-up
    form is made from the plain one, so a pair is diffed once."""
    if cleanup:
        return tuple(textdiff.cleanup_semantic(list(_words(a, b, False))))
    return tuple(textdiff.diff_words(a, b, deadline=0.05, cleanup=False))


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
    """A sentence that promises users something: a negated company statement (not one that only
    lifts a duty: "we may, but are not required to, assist you"), or a right, choice or protection."""
    if any(c.negated and not c.user and not (rules.disclaimers and rules.disclaimers.search(c.low))
           for c in side.clauses_at(index)):
        return True
    low = side.sentences[index].lower()
    # (a right named in the condition that opens the sentence grants nothing: "If you delete or we
    # disable your account, these Terms shall terminate")
    condition = len(low.split(", ")[0]) if re.match(r"(?:if|when|where|once)\b", low) else 0
    if any(hit.start() >= condition for r in side.candidates(rules.rights) if r.pattern is not None
           for hit in r.pattern.finditer(low)):
        return True
    # a limit the company sets itself: "we will only make changes if ..."
    only = next((q for q in rules.qualifiers if q.name == "only"), None)
    return only is not None and any(only.search(c.low) for c in side.clauses_at(index) if not c.user)


def _words_of(pieces: list[str]) -> list[str]:
    return [w for p in pieces for w in re.findall(r"[\w']+", p.lower())]


def _with_split(n: Side, j: int, b: str) -> list[str]:
    """The new sentence, and it joined with the next one (a promise split in two: "... material
    changes to this Policy. You'll have the opportunity ..."), or joined with the one before."""
    return ([b] + ([b + " " + n.sentences[j + 1]] if j + 1 < len(n.sentences) else [])
            + ([n.sentences[j - 1] + " " + b] if j > 0 else []))


def softened(o: Side, n: Side, pairs: Pairs, rules: Rules, section: str) -> list[Signal]:
    """A qualifier inserted into a promise: "we do not train ..." -> "by default, we do not train"."""
    out: list[Signal] = []
    if rules.softeners is None:
        return out
    for i, j, a, b0 in _changed_pairs(o, n, pairs):
        if not _promise(o, i, rules):
            continue
        before = Counter(m.group(0) for m in rules.softeners.finditer(a.lower()))
        for b in _with_split(n, j, b0):
            now = Counter(m.group(0) for m in rules.softeners.finditer(b.lower()))
            added = [w for w in now if now[w] > before[w]]
            if not added:
                continue
            deleted, inserted = _edits(a, b)
            # inserted into the promise, which otherwise stays: a few words in, hardly any out
            # (or part of one: "material" inserted before "changes")
            into = [p for p in inserted if len(p.split()) <= 30 and (
                rules.softeners.search(p.lower())
                or any(p.strip() and f" {p.strip().lower()} " in f" {w} " for w in added))]
            kept = set(_words_of(inserted))
            gone = [w for w in _words_of(deleted) if w not in kept]   # not a case change
            if into and len(gone) <= 5:
                break
        else:
            continue
        qo, qn = quote_change(a, b)
        out.append(Signal(True, categorize([b], "", rules) if categorize([b], "", rules) != "other"
                          else categorize([b], section, rules), "promise_softened",
                          f"qualifier inserted into a promise: \u201c{added[0]}\u201d", qo, qn, j))
    return out


def scope(o: Side, n: Side, pairs: Pairs, rules: Rules) -> list[Signal]:
    """Whom or what a clause covers changed: "any claims arising out of" -> "any claims you bring"
    in a disputes clause; "citizens of EU countries" -> "users from EU countries"."""
    out: list[Signal] = []
    law = rules.contexts.get("law")
    venue = rules.contexts.get("venue")
    for _i, j, a, b in _changed_pairs(o, n, pairs):
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
    for _i, j, a, b in _changed_pairs(o, n, pairs):
        deleted, inserted = _edits(a, b)
        kept = b.lower()
        if not inserted or any(d.strip(" ,").lower() not in ("", "and", "or") and d.strip(" ,").lower() not in kept
                               for d in deleted):
            continue  # only additions (and items moved within the list) make a list longer
        la, lb = a.lower(), b.lower()
        restricts_user = bool(USER_DUTY.search(lb) or (rules.user_prohibition and rules.user_prohibition.search(lb)))
        if (rules.grant_words is not None and rules.permission_verbs is not None and rules.grant_words.search(lb)
                and not restricts_user):   # "you may not modify, translate ...": a longer ban, no wider grant
            verbs_a = {m.group(0) for m in rules.permission_verbs.finditer(la)}
            new = [m.group(0) for p in inserted for m in rules.permission_verbs.finditer(p.lower())
                   if m.group(0) not in verbs_a]
            if new and verbs_a:
                qo, qn = quote_change(a, b)
                cat = "content_license" if re.search(r"licen|content", lb) else categorize([b], section, rules)
                out.append(Signal(True, cat, "permission_expanded",
                                  f"more permitted actions: {', '.join(dict.fromkeys(new))}", qo, qn, j))
                continue
        grown = _shared_more(n, j, lb, deleted, inserted, rules)
        if grown is not None:
            qo, qn = quote_change(a, b)
            out.append(Signal(True, "sharing", "shared_data_added",
                              f"more given to a recipient: \u201c{grown}\u201d", qo, qn, j))
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


_GIVES = re.compile(r"\b(?:shar(?:e|ed|es|ing)|disclos\w*|sell|sold|transferr?\w*|sen[dt])\b")
_ONE_MORE = re.compile(r"^\s*,?\s*(?:and|or)\s+([\w-]+(?:\s+[\w-]+)?)\s*,?\s*$")
_TO_NAMED = re.compile(r"\b(?:with|to)\s+(?:the\s+)?[A-Z]")


def _shared_more(n: Side, j: int, lb: str, deleted: list[str], inserted: list[str], rules: Rules) -> str | None:
    """One more thing in what a sentence gives a recipient ("the audio data of voice [and video]
    messages ... may be shared with Google"): the words added, or None."""
    deleted, inserted = [d for d in deleted if re.search(r"\w", d)], [p for p in inserted if re.search(r"\w", p)]
    if deleted or len(inserted) != 1 or not _GIVES.search(lb):   # (markup such as ** is no word)
        return None
    m = _ONE_MORE.match(inserted[0])
    if m is None or any(c.negated for c in n.clauses_at(j)):
        return None
    if not (any(r.search(lb) for r in rules.recipients) or _TO_NAMED.search(n.sentences[j])):
        return None
    return inserted[0].strip(" ,")


def periods(o: Side, n: Side, pairs: Pairs, rules: Rules, section: str,
            doc_new: Side | None = None) -> list[Signal]:
    """A vague period made a long fixed one; immediate deletion made a fixed wait; an age limit
    dropped; a period extended."""
    out: list[Signal] = []
    retention = next((c for c in rules.quantity_contexts if c.name == "retention"), None)
    changed = [(i, j, o.sentences[i] if i is not None else "", n.sentences[j]) for i, j in pairs
               if j is not None and (i is None or o.sentences[i] != n.sentences[j])]
    for _i, j, a, b in changed:
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
    immediate = _immediate_to_period(o, n, changed, rules, retention)
    if immediate is not None:
        out.append(immediate)
    out += notice_removed(o, n, pairs, rules, changed, doc_new)
    ages_o = [(s, q) for s in o.sentences for q in numbers.extract(s) if q.kind == "age"]
    ages_n = [q for s in n.sentences for q in numbers.extract(s) if q.kind == "age"]
    if ages_o and not ages_n and not (doc_new is not None and sentence_key(ages_o[0][0]) in doc_new.keys):
        # (a sentence moved to another section still sets its age limit)
        s, q = ages_o[0]
        out.append(Signal(True, "children", "age_limit_removed", f"age limit removed: \u201c{q.text}\u201d",
                          excerpt(s, q.span), ""))
    return out


def _immediate_to_period(o: Side, n: Side, changed: list[tuple[int | None, int, str, str]], rules: Rules,
                         retention: Entry | None) -> Signal | None:
    """Deletion that took effect immediately now waits a fixed period ("The deletion will be
    effective immediately" -> "We'll keep your data for 30 days"): any wait is longer retention."""
    imm = rules.immediate_periods
    if imm is None or retention is None:
        return None

    def retained(s: str) -> bool:
        return bool(retention.search(s.lower()))

    kept = set(n.sentences)
    before = [s for s in o.sentences if s not in kept and imm.search(s.lower()) and retained(s)]
    if not before or any(imm.search(b.lower()) and retained(b) for _, _, _, b in changed):
        return None
    if any(q.kind == "duration" for s in o.sentences if retained(s) for q in numbers.extract(s)):
        return None   # the old text already set a period: quantity_signals compares the two
    for _, j, _, b in changed:
        durations = [q for q in numbers.extract(b) if q.kind == "duration"]
        if durations and retained(b):
            q = durations[0]
            now = imm.search(before[0].lower())
            return Signal(True, "retention", "period_fixed",
                          f"immediate deletion replaced by a wait: \u201c{q.text}\u201d",
                          excerpt(before[0], now.span() if now else None), excerpt(b, q.span), j)
    return None


def _notice_period(sentence: str, rules: Rules) -> numbers.Quantity | None:
    """The period of a notice the company gives ("Email notifications ... will be sent thirty (30)
    days before the next subscription renewal date"), or None."""
    ctx = rules.contexts.get("notice_period")
    low = sentence.lower()
    if ctx is None or not ctx.may_occur(low) or not ctx.search(low) or USER_DUTY.search(low):
        return None
    return next((q for q in numbers.extract(sentence) if q.kind == "duration"), None)


def notice_removed(o: Side, n: Side, pairs: Pairs, rules: Rules, changed: list[tuple[int | None, int, str, str]],
                   doc_new: Side | None = None) -> list[Signal]:
    """A sentence granting a notice period deleted, or the period cut from it ("notifications ...
    will be sent thirty (30) days before the next subscription renewal date" gone): users lose the
    warning. A period restated in a new or reworded sentence is compared by quantity_signals."""
    if any(_notice_period(b, rules) for _, _, _, b in changed):
        return []
    for i, j in pairs:
        if i is None or (j is not None and (o.sentences[i] == n.sentences[j] or numbers.extract(n.sentences[j]))):
            continue
        a = o.sentences[i]
        q = _notice_period(a, rules)
        if q is None or any(c.negated for c in o.clauses_at(i)) or _still_given(q, doc_new, rules):
            continue
        category = categorize([a], "", rules)
        return [Signal(True, "policy_change" if category == "other" else category, "protection_removed",
                       f"protection removed: notice period (\u201c{q.text}\u201d)", excerpt(a, q.span),
                       excerpt(n.sentences[j]) if j is not None else "", j)]
    return []


def _still_given(q: numbers.Quantity, doc_new: Side | None, rules: Rules) -> bool:
    """Whether the new document still gives a notice of this period elsewhere (a sentence moved)."""
    if doc_new is None:
        return False
    low, what = doc_new.low, q.text.lower()
    at = low.find(what)
    while at >= 0:
        if _notice_period(low[max(0, at - 120):at + len(what) + 120], rules):
            return True
        at = low.find(what, at + 1)
    return False


_US = re.compile(r"\bu\.s\.(?=\s)")
_NOT_A_CHOICE = {"settings"}   # where choices are made ("you can choose to share ..."), not an opt-out


def narrowed(o: Side, n: Side, pairs: Pairs, rules: Rules) -> list[Signal]:
    """A right or choice granted to everyone now confined to some places ("you may opt-out" ->
    "In some geographic locations, users have the legal right to opt-out")."""
    out: list[Signal] = []
    if rules.place_limits is None:
        return out
    for _i, j, a, b in _changed_pairs(o, n, pairs):
        la, lb = (_US.sub("us", s.lower()) for s in (a, b))
        limit = rules.place_limits.search(lb)
        if limit is None or rules.place_limits.search(la):
            continue
        for r in o.candidates(rules.rights):
            if (r.kind == "right" or (r.kind == "choice" and r.name not in _NOT_A_CHOICE)) and r.search(la) \
                    and r.search(lb):
                qo, qn = quote_change(a, b)
                out.append(Signal(True, r.category or "choice", "scope_changed",
                                  f"{r.name} confined to some places: \u201c{limit.group(0)}\u201d", qo, qn, j))
                break
    return out


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def rights_channel(o: Side, n: Side, pairs: Pairs, rules: Rules) -> list[Signal]:
    """How a right is exercised changed: the address to write to about it is another one
    (WP260: changes to how people exercise their rights must be communicated)."""
    out: list[Signal] = []
    for i, j, a, b in _changed_pairs(o, n, pairs):
        ea, eb = _EMAIL.findall(a), _EMAIL.findall(b)
        if not ea or not eb or {e.lower() for e in ea} == {e.lower() for e in eb}:
            continue
        window = " ".join(o.sentences[max(0, i - 2):i + 1]).lower()
        right = next((r for r in o.candidates(rules.rights) if r.kind == "right" and r.search(window)), None)
        if right is not None:
            out.append(Signal(True, "rights", "rights_channel_changed",
                              f"how to exercise a right changed ({right.name}): {ea[0]} -> {eb[0]}",
                              excerpt(a, (a.index(ea[0]), a.index(ea[0]) + len(ea[0]))),
                              excerpt(b, (b.index(eb[0]), b.index(eb[0]) + len(eb[0]))), j))
    return out


def context_signals(o: Side, n: Side, pairs: Pairs, rules: Rules, section: str,
                    doc_old: Side | None = None, doc_new: Side | None = None) -> list[Signal]:
    return (softened(o, n, pairs, rules, section) + scope(o, n, pairs, rules) + narrowed(o, n, pairs, rules)
            + longer_list(o, n, pairs, rules, section) + periods(o, n, pairs, rules, section, doc_new)
            + rights_channel(o, n, pairs, rules))
