"""Signals on a real (non-cosmetic) change: each one adverse (-> material) or favourable.

Every detector compares the old and new :class:`Side` of one unit (a paragraph pair, a section,
a document). ``doc_old``/``doc_new`` are the whole documents when a section is judged inside one:
a data kind already named elsewhere in the old policy is not "new", and a right still granted
elsewhere is not "removed". High-risk terms are judged per unit, as materiality.md asks.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container

from . import numbers
from .asserted import (
    LAW_TOPIC,
    asserted,
    defined_term,
    elsewhere,
    points_elsewhere,
    practice_gone,
    priced,
    qualifier_counts,
    reworded,
    shared,
    taken_back,
    users_act,
)
from .features import Mention, Side, categorize, negated_at, novelty
from .finding import Signal
from .places import place_signals
from .rules import Entry, Rules
from .text import align, excerpt


def _q(m: Mention | None) -> str:
    return excerpt(m.clause.text, m.span) if m else ""


def _other(side: Side, m: Mention | None, mine: Side) -> str:
    """Quote from `side` the sentence corresponding to the one m was found in (on `mine`)."""
    if m is None:
        return ""
    return excerpt(side.counterpart(mine.sentences[m.clause.sentence]))


def _names(ms: list[Mention]) -> str:
    return ", ".join(dict.fromkeys(m.entry.name for m in ms))


_NEW_SIGNAL = {"data_kinds": ("new_data_kind", "new data kind"), "purposes": ("new_purpose", "new purpose"),
               "recipients": ("new_recipient", "new recipient"), "trackers": ("new_tracker", "new tracking technology")}
_RIGHT_SIGNAL = {"right": "right", "choice": "opt-out or choice", "protection": "protection"}


def _sentence_mentions(side: Side, index: int, entries: tuple[Entry, ...]) -> tuple[dict, dict]:
    pos: dict[str, Mention] = {}
    neg: dict[str, Mention] = {}
    entries = side.sentence_candidates(index, entries)
    for c in side.clauses_at(index):
        if c.user:
            continue   # a rule for the user, not a promise to them
        for e in entries:
            m = e.search(c.low)
            if m:
                (neg if negated_at(c, m.start()) else pos).setdefault(e.name, Mention(e, c, m.span()))
    return pos, neg


def _vacuous(m: Mention, side: Side, rules: Rules) -> bool:
    """A promise taken back in the same sentence ("... except as described in this policy"), or
    a rule for the user ("you may not ...")."""
    sentence = side.sentences[m.clause.sentence].lower()
    return m.clause.user or bool(rules.vacuous_exceptions and rules.vacuous_exceptions.search(sentence))


def _flip_ok(m_old: Mention, m_new: Mention, o: Side, rules: Rules) -> bool:
    if _vacuous(m_old, o, rules):
        return False
    old_sentence = o.sentences[m_old.clause.sentence].lower()
    new_limited = any(q.search(m_new.clause.low) for q in rules.qualifiers)
    # "we don't share except with X" -> "we share only with X" is the same promise
    return not (new_limited and any(w in old_sentence for w in (" except", " unless", " other than")))


def negation_signals(o: Side, n: Side, rules: Rules, pairs: list[tuple[int | None, int | None]],
                     doc_new: Side | None = None) -> list[Signal]:
    """A prohibition lifted ("will never sell" -> "may sell") or a promise deleted (unless the
    new document still makes it elsewhere: ``doc_new``)."""
    out: list[Signal] = []
    flipped: dict[str, list[tuple[Mention, Mention]]] = {}
    seen: set[str] = set()
    deleted: list[Mention] = []
    groups = (rules.actions, rules.purposes, rules.data_kinds, rules.recipients, rules.trackers)
    # 1. sentence by sentence: the same sentence lost its negation
    for i, j in pairs:
        if i is None or j is None or o.sentences[i] == n.sentences[j]:
            continue
        for group in groups:
            pos_o, neg_o = _sentence_mentions(o, i, group)
            pos_n, neg_n = _sentence_mentions(n, j, group)
            for name, m_old in neg_o.items():
                if name in pos_n and name not in pos_o and name not in neg_n and name not in seen:
                    if _flip_ok(m_old, pos_n[name], o, rules):
                        flipped.setdefault(m_old.entry.category, []).append((m_old, pos_n[name]))
                        seen.add(name)
    # 2. the whole text: a negated mention became a plain one (rewrites that do not align)
    for group in groups:
        pos_o, neg_o = o.mentions(group)
        pos_n, neg_n = n.mentions(group)
        for name, m_old in neg_o.items():
            if name in seen:
                continue
            if name in pos_n and name not in pos_o:
                if _flip_ok(m_old, pos_n[name], o, rules):
                    flipped.setdefault(m_old.entry.category, []).append((m_old, pos_n[name]))
                    seen.add(name)
            elif (name not in neg_n and name not in pos_n and group is not rules.recipients
                  and not _vacuous(m_old, o, rules)
                  and not (doc_new is not None and doc_new.mentioned(group, name, (True,)))):
                deleted.append(m_old)
        if group in (rules.actions, rules.purposes):
            # a new prohibition, or one restored ("we may share" -> "we do not share")
            added = [m for name, m in neg_n.items() if name not in neg_o
                     and (name not in pos_o or name not in pos_n) and not m.clause.user]
            if added:
                out.append(Signal(False, added[0].entry.category, "prohibition_added",
                                  f"new prohibition: {_names(added)}", _other(o, added[0], n), _q(added[0]),
                                  added[0].clause.sentence))
    # one finding per sentence that lost its negation ("does not share, sell ... collected" ->
    # "may share, sell ..."), not one per category of every word in it
    by_sentence: dict[tuple[int, int], list[tuple[Mention, Mention]]] = {}
    for flips in flipped.values():
        for f in flips:
            by_sentence.setdefault((f[0].clause.sentence, f[1].clause.sentence), []).append(f)
    actions = set(rules.actions)
    for flips in by_sentence.values():
        # the category most of the freed words belong to; on a tie, the thing over the verb
        # ("do not use ... to train AI": ai, not the generic "use")
        count = Counter(f[0].entry.category for f in flips)
        category = max(count, key=lambda c: (count[c], any(f[0].entry.category == c and f[0].entry not in actions
                                                           for f in flips)))
        named = [f for f in flips if f[0].entry not in actions or f[0].entry.category == category]
        out.append(Signal(True, category, "negation_removed",
                          f"negation removed: {_names([p[1] for p in named])}",
                          _q(named[0][0]), _q(named[0][1]), named[0][1].clause.sentence))
    if deleted:
        out.append(Signal(True, deleted[0].entry.category, "prohibition_removed",
                          f"prohibition removed: {_names(deleted)}", _q(deleted[0]), _other(n, deleted[0], o)))
    return out


def right_signals(o: Side, n: Side, rules: Rules, doc_old: Side | None, doc_new: Side | None) -> list[Signal]:
    out: list[Signal] = []
    pos_o, _ = o.mentions(rules.rights)
    pos_n, neg_n = n.mentions(rules.rights)
    doc_pos_new: Container[str] = doc_new.named(rules.rights) if doc_new else set()
    doc_pos_old: Container[str] = doc_old.named(rules.rights) if doc_old else set()

    def cat(m: Mention) -> str:
        return m.entry.category or categorize([m.clause.text], "", rules)

    for name, m in pos_o.items():
        what = _RIGHT_SIGNAL.get(m.entry.kind, "right")
        if name in pos_n:
            continue
        if name in neg_n:
            out.append(Signal(True, cat(m), f"{m.entry.kind}_negated",
                              f"negation added to a {what}: {name}", _q(m), _q(neg_n[name]),
                              neg_n[name].clause.sentence))
        elif name not in doc_pos_new and not (m.entry.kind == "choice" and practice_gone(m, o, doc_new or n)):
            out.append(Signal(True, cat(m), f"{m.entry.kind}_removed",
                              f"{what} removed: {name}", _q(m), _other(n, m, o)))
    for name, m in pos_n.items():
        if name not in pos_o and name not in doc_pos_old:
            what = _RIGHT_SIGNAL.get(m.entry.kind, "right")
            out.append(Signal(False, cat(m), f"{m.entry.kind}_added",
                              f"{what} added: {name}", _other(o, m, n), _q(m), m.clause.sentence))
    return out


def _sentence_category(entry: Entry, text: str, section: str, rules: Rules) -> str:
    return entry.category or categorize([text], section, rules)


def qualifier_signals(o: Side, n: Side, rules: Rules, section: str) -> list[Signal]:
    out: list[Signal] = []
    for q in rules.qualifiers:
        (before, neg_before), (after, neg_after) = qualifier_counts(o, q), qualifier_counts(n, q)
        if neg_after > neg_before:
            # a qualifier now negated ("and at times where we're not compelled by law"): the
            # practice goes beyond the limit it names
            m = n.first(q)
            text = m.clause.text if m else ""
            out.append(Signal(True, _sentence_category(q, text, section, rules), "qualifier_negated",
                              f"practice no longer bound by a limit: not {q.name}", _other(o, m, n), _q(m),
                              m.clause.sentence if m else None))
        elif neg_after < neg_before and after <= before:
            m = o.first(q)
            text = m.clause.text if m else ""
            out.append(Signal(False, _sentence_category(q, text, section, rules), "qualifier_added",
                              f"practice \u201cwithout\u201d a limit gone: {q.name}", _q(m), _other(n, m, o)))
        if before == after:
            continue
        if after < before:
            m = o.first(q)
            if m is not None and _burden_gone(o, n, m, rules):
                continue   # "settled exclusively by arbitration" gone whole: the burden went too
            text = m.clause.text if m else ""
            quoted = f" (\u201c{m.clause.low[m.span[0]:m.span[1]]}\u201d)" if m else ""
            out.append(Signal(True, _sentence_category(q, text, section, rules), "qualifier_removed",
                              f"limiting qualifier removed: {q.name}{quoted}",
                              _q(m), _other(n, m, o)))
        else:
            m = n.first(q)
            text = m.clause.text if m else ""
            out.append(Signal(False, _sentence_category(q, text, section, rules), "qualifier_added",
                              f"limiting qualifier added: {q.name}", _other(o, m, n), _q(m)))
    return out


def _burden_gone(o: Side, n: Side, m: Mention, rules: Rules) -> bool:
    """Whether the sentence holding the qualifier also held a high-risk term that is gone."""
    burdens, _ = _sentence_mentions(o, m.clause.sentence, rules.high_risk)
    still = n.mentions(rules.high_risk)[0]
    return any(name not in still for name in burdens)


def novelty_signals(o: Side, n: Side, rules: Rules, doc_old: Side | None, doc_new: Side | None) -> list[Signal]:
    """New data kinds, purposes, recipients, tracking technologies (and their removal)."""
    out: list[Signal] = []
    for attr, (sig, label) in _NEW_SIGNAL.items():
        group = getattr(rules, attr)
        pos_o, neg_o = o.mentions(group)
        pos_n, neg_n = n.mentions(group)
        doc_pos_old: Container[str] = doc_old.named(group) if doc_old else set()
        doc_all_new: Container[str] = doc_new.named(group, (False, True)) if doc_new else set()
        added = [m for name, m in pos_n.items()
                 if name not in pos_o and name not in neg_o and name not in doc_pos_old
                 and not n.governed(m) and (attr != "recipients" or shared(m, n, rules))
                 and (attr != "purposes" or not priced(m, n, rules))
                 and not points_elsewhere(m, n, rules) and not reworded(m, o, n)]
        for m in added:
            sens = " (sensitive)" if m.entry.sensitive else ""
            out.append(Signal(True, m.entry.category, sig, f"{label}{sens}: {m.entry.name}",
                              _other(o, m, n), _q(m), m.clause.sentence))
        removed = [m for name, m in pos_o.items()
                   if name not in pos_n and name not in neg_n and name not in doc_all_new]
        if removed:
            out.append(Signal(False, removed[0].entry.category, sig.replace("new_", "") + "_removed",
                              f"{label.replace('new ', '')} no longer mentioned: {_names(removed)}",
                              _q(removed[0]), _other(n, removed[0], o)))
    return out


def high_risk_signals(o: Side, n: Side, rules: Rules, sec_old: Side | None = None,
                      sec_new: Side | None = None, doc_old: Side | None = None,
                      doc_new: Side | None = None) -> list[Signal]:
    """A high-risk term new in (or gone from) this section. ``sec_old``/``sec_new`` are the whole
    section when o and n hold only its changed sentences; a sentence that stands unchanged in the
    other version of the document (``doc_old``/``doc_new``) moved there, it is neither new nor gone."""
    out: list[Signal] = []
    pos_o, neg_o = asserted(*o.mentions(rules.high_risk), rules)
    pos_n, neg_n = asserted(*n.mentions(rules.high_risk), rules)
    both = (False, True)
    for name, m in pos_n.items():
        if sec_old is not None and sec_old.mentioned(rules.high_risk, name, both):
            continue
        if elsewhere(n.sentences[m.clause.sentence], doc_old):
            continue   # Discord Terms 5732213: the heading above the intro moved, its arbitration notice did not
        if LAW_TOPIC.search(m.clause.low[max(0, m.span[0] - 80):m.span[0]]):
            continue   # "compliance with any applicable laws (such as those relating to automatic renewal)"
        if name not in pos_o and name not in neg_o:
            words = m.clause.low[m.span[0]:m.span[1]]
            out.append(Signal(True, m.entry.category, "high_risk_term",
                              f"high-risk term new in this section: {name} (\u201c{words}\u201d)",
                              _other(o, m, n), _q(m), m.clause.sentence))
    for name, m in pos_o.items():
        if sec_new is not None and sec_new.mentioned(rules.high_risk, name, both):
            continue
        if elsewhere(o.sentences[m.clause.sentence], doc_new):
            continue
        if name not in pos_n and name not in neg_n:
            out.append(Signal(False, m.entry.category, "high_risk_term_removed",
                              f"high-risk term no longer in this section: {name}", _q(m), _other(n, m, o)))
    return out


_WORDS = {"duration": ("longer", "shorter"), "money": ("higher", "lower"), "age": ("higher", "lower"),
          "percent": ("higher", "lower")}
_KIND_LABEL = {"duration": "duration", "money": "amount", "age": "age limit", "percent": "percentage"}


def _quantity_signal(qo: numbers.Quantity, qn: numbers.Quantity, old_s: str, new_s: str,
                     section: str, rules: Rules, j: int | None) -> Signal | None:
    direction = numbers.compare(qo, qn)
    if direction == "same":
        return None
    if direction == "incomparable":
        return Signal(True, categorize([old_s, new_s], section, rules), "quantity_changed",
                      f"{_KIND_LABEL[qn.kind]} changed: {qo.text} -> {qn.text}", excerpt(old_s), excerpt(new_s), j)
    word = _WORDS[qn.kind][0 if direction == "increase" else 1]
    for ctx in rules.quantity_contexts:
        if ctx.kind != qn.kind:
            continue
        if ctx.pattern is None or ctx.search(new_s.lower()) or ctx.search(old_s.lower()):
            adverse = direction == ctx.adverse
            category = ctx.category or categorize([old_s, new_s], section, rules)
            label = f"{ctx.name}: " if qn.kind != "duration" or ctx.name != "retention" else ""
            return Signal(adverse, category, "quantity_" + ("adverse" if adverse else "favourable"),
                          f"{_KIND_LABEL[qn.kind]} {word}: {label}{qo.text} -> {qn.text}",
                          excerpt(old_s, qo.span), excerpt(new_s, qn.span), j)
    return Signal(True, categorize([old_s, new_s], section, rules), "quantity_changed",
                  f"{_KIND_LABEL[qn.kind]} {word} (direction unknown): {qo.text} -> {qn.text}",
                  excerpt(old_s, qo.span), excerpt(new_s, qn.span), j)


def quantity_signals(o: Side, n: Side, pairs: list[tuple[int | None, int | None]], rules: Rules,
                     section: str) -> list[Signal]:
    out: list[Signal] = []
    compared: set[str] = set()
    for i, j in pairs:
        if i is None or j is None or o.sentences[i] == n.sentences[j]:
            continue
        qo_all, qn_all = numbers.extract(o.sentences[i]), numbers.extract(n.sentences[j])
        for kind in {q.kind for q in qo_all + qn_all}:
            qo = [q for q in qo_all if q.kind == kind]
            qn = [q for q in qn_all if q.kind == kind]
            for a, b in zip(qo, qn, strict=False):
                compared.add(kind)
                s = _quantity_signal(a, b, o.sentences[i], n.sentences[j], section, rules, j)
                if s:
                    out.append(s)
    # heavy rewrites: one quantity of a kind on each side, in sentences that did not pair up
    for kind in ("duration", "money", "age", "percent"):
        if kind in compared:
            continue
        lone_o = [(s, q) for s in o.sentences for q in numbers.extract(s) if q.kind == kind]
        lone_n = [(k, s, q) for k, s in enumerate(n.sentences) for q in numbers.extract(s) if q.kind == kind]
        if len(lone_o) == 1 and len(lone_n) == 1:
            sig = _quantity_signal(lone_o[0][1], lone_n[0][2], lone_o[0][0], lone_n[0][1], section, rules,
                                   lone_n[0][0])
            if sig:
                out.append(sig)
    return out


_USER_DUTY = re.compile(r"\byou(?:\s+(?:must|may|will|shall|should|can|need to|have to|agree to)|'ve|\s+have)"
                        r"\s+(?:\w+\s+)?$")


def practice_signals(o: Side, n: Side, pairs: list[tuple[int | None, int | None]], rules: Rules,
                     section: str, explained: set[int], doc_old: Side | None) -> list[Signal]:
    """An added sentence describing something the company will now do."""
    out: list[Signal] = []
    if rules.practice_verbs is None:
        return out
    for i, j in pairs:
        if i is not None or j is None or j in explained:
            continue
        sentence = n.sentences[j]
        if elsewhere(sentence, doc_old):
            continue  # moved here from another section
        if novelty(sentence, o) < rules.new_practice_novelty:
            continue
        clauses = [c for c in n.clauses_at(j) if not c.negated and not c.user]
        # (a verb starting a hyphenated compound is a noun's modifier: "financial record-keeping")
        hit = next(((c, m) for c in clauses for m in rules.practice_verbs.finditer(c.low)
                    if c.low[m.end():m.end() + 1] != "-"
                    and not _USER_DUTY.search(c.low[max(0, m.start() - 40):m.start()] + " ")
                    and not users_act(c.low, m.start()) and not defined_term(c.text, m.start())), None)
        if hit and not taken_back(o, hit[1].group(0), rules):
            c, m = hit
            out.append(Signal(True, categorize([sentence], section, rules), "new_practice",
                              f"new practice: \u201c{excerpt(c.text, m.span(), 80)}\u201d", "",
                              excerpt(sentence), j))
    return out


def all_signals(o: Side, n: Side, rules: Rules, section: str = "",
                doc_old: Side | None = None, doc_new: Side | None = None,
                pairs: list[tuple[int | None, int | None]] | None = None,
                sec_old: Side | None = None, sec_new: Side | None = None) -> list[Signal]:
    if pairs is None:
        pairs = align(o.sentences, n.sentences)
    found: list[Signal] = []
    found += negation_signals(o, n, rules, pairs, doc_new)
    found += right_signals(o, n, rules, doc_old, doc_new)
    found += qualifier_signals(o, n, rules, section)
    found += novelty_signals(o, n, rules, doc_old, doc_new)
    found += high_risk_signals(o, n, rules, sec_old, sec_new, doc_old, doc_new)
    found += quantity_signals(o, n, pairs, rules, section)
    found += place_signals(o, n, rules, doc_old)
    explained = {s.new_sentence for s in found if s.new_sentence is not None}
    found += practice_signals(o, n, pairs, rules, section, explained, doc_old)
    return found
