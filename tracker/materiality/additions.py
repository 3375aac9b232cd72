"""What a change adds to a clause or list: names new to the policy (a recipient, a document made
part of the terms), an item added to a list of data, an action added to a licence, and a promise
newly confined to one place or a grant to users narrowed. Judged on the sentences that changed,
with the helpers of :mod:`.context`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .context import USER_DUTY, Pairs, _changed_pairs, _edits, _promise, _words, quote_change
from .features import Side, categorize, novelty
from .finding import Signal
from .rules import Rules
from .text import excerpt, sentence_key


def addition_signals(o: Side, n: Side, pairs: Pairs, rules: Rules, section: str,
                     doc_old: Side | None = None) -> list[Signal]:
    return (named_recipients(o, n, pairs, rules, doc_old) + listed_recipients(o, n, pairs, rules, doc_old)
            + incorporated(o, n, pairs, rules, doc_old) + place_condition(o, n, pairs, rules)
            + list_items(o, n, pairs, rules, section, doc_old) + granted_more(o, n, pairs, rules)
            + grant_narrowed(o, n, pairs, rules) + power_widened(o, n, pairs, rules)
            + designated(o, n, pairs, rules, doc_old) + provider_rows(o, n, pairs, rules, section, doc_old))


_ROW = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])?\s*([^|]+?)\s*\|")


def _first_cells(sentence: str) -> tuple[list[str], str]:
    """The first cell of each row of a table ("| MongoDB Atlas | Hosting | | Stripe | Payment |", a
    whole table being one sentence) or of a row written as a list item ("- MongoDB Atlas | Hosting"),
    and the table's header row ("" for a list item)."""
    text = sentence.strip()
    if not text.startswith("|"):
        row = _ROW.match(text)
        return ([row.group(1).strip(" *")] if row else []), ""
    rows = [r.split("|") for r in re.split(r"\|\s*\|", text.strip("|"))]
    cells = [r[0].strip(" *") for r in rows[1:] if r[0].strip(" -:")]
    return cells, " ".join(rows[0])


def _list_head(n: Side, j: int, doc_old: Side | None) -> str:
    """The sentence before the list or table that holds sentence j. When the list starts before a
    changed region, its head is found in the old document after the region's first kept row."""
    k = j - 1
    while k >= 0 and _ROW.match(n.sentences[k]):
        k -= 1
    if k >= 0 or doc_old is None:
        return n.sentences[k] if k >= 0 else ""
    kept = next((s for s in n.sentences[:j + 1] if s in doc_old.sentences), None)   # rows are few: this is short
    if kept is None:
        return ""
    k = doc_old.sentences.index(kept) - 1
    while k >= 0 and _ROW.match(doc_old.sentences[k]):
        k -= 1
    return doc_old.sentences[k] if k >= 0 else ""


def _named_in(name: str, low: str) -> bool:
    """Whether a lowercased text names ``name`` as a whole word ("AWS" is not named in "laws")."""
    return re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", low) is not None


def provider_rows(o: Side, n: Side, pairs: Pairs, rules: Rules, section: str, doc_old: Side | None) -> list[Signal]:
    """A row added to a table or list of the third parties that receive data ("- MongoDB Atlas |
    Hosting/Infrastructure | United States" under "Subprocessor | Description | Location") naming a
    company new to the policy: a new recipient."""
    known = (doc_old or o).low
    found: list[tuple[list[str], int | None, int, str]] = []
    for i, j, b in _new_or_changed(o, n, pairs):
        cells, header = _first_cells(b) if "|" in b else ([], "")
        names = [c for c in cells if _bare_name(c) and not _named_in(c, known)
                 and not any(e.search(c.lower()) for e in rules.data_kinds)]
        if not names:
            continue
        head = " ".join((header, _list_head(n, j, doc_old), section)).lower()
        if any(r.search(head) for r in rules.recipients):
            found.append((names, i, j, b))
    if not found:
        return []
    _, i, j, b = found[0]
    names = list(dict.fromkeys(name for f in found for name in f[0]))
    return [Signal(True, "sharing", "new_recipient", f"new named recipient: {', '.join(names)}",
                   excerpt(o.sentences[i]) if i is not None else "", excerpt(b), j)]


def designated(o: Side, n: Side, pairs: Pairs, rules: Rules, doc_old: Side | None) -> list[Signal]:
    """A role that answers for users' data newly designated and named ("The main establishment in
    the European Union is Hugging Face, SAS"; an EU or UK representative; a lead supervisory
    authority) where the old policy designated none: whom users deal with changed."""
    ctx = rules.contexts.get("designation")
    if ctx is None:
        return []
    old_low = (doc_old or o).low
    for i, j, b in _new_or_changed(o, n, pairs):
        lb = b.lower()
        m = ctx.search(lb) if ctx.may_occur(lb) else None
        if m is None or (i is not None and ctx.search(o.sentences[i].lower())):
            continue
        if ctx.may_occur(old_low) and ctx.search(old_low):
            return []   # a change of the one designated is controller_changed's
        # named: a company, or a place other than the one in the role's name ("EEA representative")
        key = sentence_key(b)
        who = ([w for k, w in n.entities_in("designation").items() if k in key]
               or n.places_in_sentence(b[:m.start()] + " " + b[m.end():]))
        if who:
            qo, qn = quote_change(o.sentences[i], b) if i is not None else ("", excerpt(b, m.span()))
            return [Signal(True, "controller", "controller_changed",
                           f"newly designated: {m.group(0)}: {', '.join(who)}", qo, qn, j)]
    return []


_YOU_BEFORE = re.compile(r"\byou\s+(?:\w+\s+)?$")


def power_widened(o: Side, n: Side, pairs: Pairs, rules: Rules) -> list[Signal]:
    """A qualifier dropped from what a power the company reserves reaches ("limit service capacity
    for free Accounts" -> "for Accounts"; "suspend or delete free Accounts" -> "Accounts"): the
    power now reaches users it spared. Only words deleted, none put in their place."""
    ctx, qualifiers = rules.contexts.get("company_power"), rules.object_qualifiers
    if ctx is None or qualifiers is None:
        return []
    for _i, j, a, b in _changed_pairs(o, n, pairs):
        power = ctx.search(a.lower())
        if power is None or _YOU_BEFORE.search(a.lower()[max(0, power.start() - 30):power.start()]):
            continue
        dropped, where = _dropped_after(a, b, power.start())
        if dropped and all(qualifiers.fullmatch(w) for w in dropped) and ctx.search(b.lower()):
            qo, _ = quote_change(a, b)
            return [Signal(True, "termination", "scope_changed",
                           f"a power reserved by the company reaches more: \u201c{' '.join(dropped)}\u201d dropped",
                           qo, excerpt(b, (where, where), 80), j)]
    return []


def _dropped_after(a: str, b: str, start: int) -> tuple[list[str], int]:
    """The words deleted from ``a`` after ``start`` when the edit only deletes words (and inserts
    none), and where the first deletion falls in ``b``; ([], 0) otherwise."""
    words: list[str] = []
    at = at_b = where = 0
    for op, text in _words(a, b, False):
        if op == "insert" and re.search(r"\w", text):
            return [], 0
        if op == "delete" and re.search(r"\w", text):
            if at < start:
                return [], 0
            where = where or at_b
            words += re.findall(r"[\w'-]+", text.lower())
        at += len(text) if op != "insert" else 0
        at_b += len(text) if op != "delete" else 0
    return words, where


_NEGATED_WORD = re.compile(r"\b(?:not|never|no)\b|n't\b")


def grant_narrowed(o: Side, n: Side, pairs: Pairs, rules: Rules) -> list[Signal]:
    """A negation inserted into a licence granted to users ("... to download or print ... other than
    any video ..., which may not be downloaded, reproduced ..."): users may do less than before."""
    ctx = rules.contexts.get("user_grant")
    if ctx is None:
        return []
    for _i, j, a, b in _changed_pairs(o, n, pairs):
        if not ctx.search(b.lower()) or not ctx.search(a.lower()):
            continue
        _deleted, inserted = _edits(a, b)
        piece = next((p for p in inserted if _NEGATED_WORD.search(p.lower())), None)
        if piece is not None:
            qo, qn = quote_change(a, b)
            return [Signal(True, "content_license", "grant_narrowed",
                           f"a permission granted to users narrowed: \u201c{excerpt(piece.strip(), None, 80)}\u201d",
                           qo, qn, j)]
    return []


def granted_more(o: Side, n: Side, pairs: Pairs, rules: Rules) -> list[Signal]:
    """A sentence added to a licence that grants a new action ("You also agree that this license
    includes the right to analyze text and other information you provide")."""
    if rules.grant_words is None or rules.permission_verbs is None:
        return []
    granted = {m.group(0) for s in o.sentences if rules.grant_words.search(s.lower())
               for m in rules.permission_verbs.finditer(s.lower())}
    if not granted:
        return []
    for i, j in pairs:
        if i is not None or j is None:
            continue
        lb = n.sentences[j].lower()
        if not rules.grant_words.search(lb) or USER_DUTY.search(lb) or any(c.negated for c in n.clauses_at(j)):
            continue
        new = [m.group(0) for m in rules.permission_verbs.finditer(lb) if m.group(0) not in granted]
        if new:
            return [Signal(True, "content_license", "permission_expanded",
                           f"more permitted actions: {', '.join(dict.fromkeys(new))}", "", excerpt(n.sentences[j]), j)]
    return []


def _new_or_changed(o: Side, n: Side, pairs: Pairs) -> Iterator[tuple[int | None, int, str]]:
    for i, j in pairs:
        if j is not None and (i is None or o.sentences[i] != n.sentences[j]):
            yield i, j, n.sentences[j]


_CAP_NAME = re.compile(r"[A-Z][\w&.'-]*(?:\s+(?:[A-Z][\w&.'-]*|of|&))*")


def _bare_name(item: str) -> bool:
    """A capitalised name of three characters or more, and nothing else ("Stripe", "Amazon Web
    Services"; not "Our partners")."""
    hit = _CAP_NAME.match(item)
    return hit is not None and hit.group(0) == item and len(item) > 2 and item.split()[0].lower() not in _NOT_NAMES
_LIST_START = re.compile(r"\b(?:include|includes|including|such as|like|are)\b:?\s+(.*)")


def listed_recipients(o: Side, n: Side, pairs: Pairs, rules: Rules, doc_old: Side | None) -> list[Signal]:
    """Third parties named in a list of the ones used ("Key service providers we use include Amazon
    Web Services, Stripe, Zendesk, and Google"): a name new to the policy is a new recipient."""
    ctx = rules.contexts.get("recipient_list")
    if ctx is None:
        return []
    known = (doc_old or o).low
    for i, j, b in _new_or_changed(o, n, pairs):
        lb = b.lower()
        if not ctx.search(lb) or not any(r.search(lb) for r in rules.recipients):
            continue
        m = _LIST_START.search(b)
        if m is None:
            continue
        names = []
        for item in re.split(r",|;|\band\b|\bor\b", m.group(1)):
            item = item.strip(" .:()*")
            if not _bare_name(item) or item.lower() in known:
                continue   # a name, and nothing else, makes a list item
            names.append(item)
        if names:
            qo, qn = quote_change(o.sentences[i], b) if i is not None else ("", excerpt(b, m.span(1)))
            return [Signal(True, "sharing", "new_recipient", f"new named recipient: {', '.join(names)}", qo, qn, j)]
    return []


_DOC_NAME = re.compile(r"\b((?:[A-Z][\w-]*\s+){1,4}(?:Terms(?:\s+of\s+(?:Use|Service))?|Polic(?:y|ies)|Guidelines"
                       r"|Agreement|Conditions|Rules|Standards|Notice))\b")
_DOC_STOP = {"these", "this", "the", "our", "your", "any", "such", "if", "additional", "other", "separate",
             "then", "those", "all", "and", "when", "where", "you", "we"}


def incorporated(o: Side, n: Side, pairs: Pairs, rules: Rules, doc_old: Side | None) -> list[Signal]:
    """Another document newly made part of the terms ("If you use our AI products, the Meta AI
    Terms also apply"): users are bound by text they have not been shown."""
    ctx = rules.contexts.get("incorporation")
    if ctx is None:
        return []
    known = (doc_old or o).low
    for i, j, b in _new_or_changed(o, n, pairs):
        if not ctx.search(b.lower()):
            continue
        for m in _DOC_NAME.finditer(b):
            words = m.group(1).split()
            while words and words[0].lower() in _DOC_STOP:
                words = words[1:]
            name = " ".join(words)
            if len(words) < 2 or name.lower() in known:
                continue
            qo, qn = quote_change(o.sentences[i], b) if i is not None else ("", excerpt(b, m.span(1)))
            return [Signal(True, "other", "document_incorporated",
                           f"another document made part of the terms: {name}", qo, qn, j)]
    return []


def place_condition(o: Side, n: Side, pairs: Pairs, rules: Rules) -> list[Signal]:
    """A promise newly confined to people in one place: "we will only use your information for"
    -> "If you are a Singapore user, ... we will only use your information for"."""
    ctx = rules.contexts.get("place_condition")
    if ctx is None:
        return []
    out: list[Signal] = []
    for i, j, a, b in _changed_pairs(o, n, pairs):
        if ctx.search(a.lower()) or not ctx.search(b.lower()) or not _promise(o, i, rules):
            continue
        _deleted, inserted = _edits(a, b)
        piece = next((p for p in inserted if ctx.search(p.lower()) and n.places_in_sentence(p)), None)
        if piece is not None:
            qo, qn = quote_change(a, b)
            out.append(Signal(True, "international", "scope_changed",
                              f"a promise confined to some places: \u201c{piece.strip(' ,')}\u201d", qo, qn, j))
    return out


_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")


def list_items(o: Side, n: Side, pairs: Pairs, rules: Rules, section: str, doc_old: Side | None) -> list[Signal]:
    """An item added to a list of what is collected or shared ("- Content you create or interact
    with across Facebook and Instagram"): more data or more recipients. An item that is a right
    or a choice is judged by that signal instead."""
    lead = rules.contexts.get("list_lead")
    if lead is None or not any(_BULLET.match(s) for s in o.sentences):
        return []
    for i, j in pairs:
        if i is not None or j is None or not _BULLET.match(n.sentences[j]):
            continue
        b = n.sentences[j]
        lb = b.lower()
        if doc_old is not None and sentence_key(b) in doc_old.keys:
            continue   # moved here from another section
        if any(r.kind in ("right", "choice") and r.search(lb) for r in rules.rights):
            continue
        k = j - 1
        while k >= 0 and _BULLET.match(n.sentences[k]):
            k -= 1
        head = n.sentences[k].lower() if k >= 0 else ""
        if head and (not lead.search(head) or any(r.kind in ("right", "choice") and r.search(head)
                                                  for r in rules.rights)):
            continue
        if novelty(b, o) < rules.new_practice_novelty:
            continue
        category = categorize([head, b] if head else [b], section, rules)
        return [Signal(True, "collection" if category == "other" else category, "list_item_added",
                       f"item added to a list: \u201c{excerpt(_BULLET.sub('', b), None, 80)}\u201d", "",
                       excerpt(b), j)]
    return []


# "information you provide to The Meet Group", "shared with Acme Analytics": a capitalised name
# right after a verb of giving and "to"/"with" (the object, if any, in between).
_GIVEN_TO = re.compile(
    r"\b(?:provid|disclos|shar|transferr?|sell|sold|send|sent|giv|pass)\w*"
    r"(?:\s+[\w'-]+){0,5}?\s+(?:to|with)\s+"
    r"((?:The\s+)?[A-Z][\w&'-]*(?:\s+(?:[A-Z][\w&'-]*|of|&)){0,4})")
_NOT_NAMES = {"you", "your", "us", "we", "our", "they", "them", "third", "any", "all", "other", "such",
              "this", "these", "those", "each", "some", "certain", "law", "users", "user", "services",
              "service", "if", "when", "in", "for", "as", "and", "or"}


def named_recipients(o: Side, n: Side, pairs: Pairs, rules: Rules, doc_old: Side | None) -> list[Signal]:
    """A third party named for the first time as receiving information ("information you provide
    to The Meet Group"): a new recipient, whether or not its name carries a legal form."""
    out: list[Signal] = []
    known = (doc_old or o).low
    raw = (doc_old or o).raw
    for i, j, b in _new_or_changed(o, n, pairs):
        for m in _GIVEN_TO.finditer(b):
            words = m.group(1).split()
            if words[0] == "The":
                words = words[1:]
            while words and words[-1] in ("of", "&"):
                words.pop()
            name = " ".join(words)
            low = name.lower()
            if (not words or words[0].lower() in _NOT_NAMES or low in known or len(low) < 3
                    or any(low.endswith(" " + s.lower()) for s in rules.entity_suffixes)   # places.py
                    or any(r.search(low) for r in rules.recipients) or n.places_in_sentence(name)
                    or re.search(rf"\b{re.escape(words[0])}\b", raw)):
                continue   # (a name starting with one the old text already uses is the company's own
                           # product or a known party: "Google Location Sharing", "Stripe Connect")
            qo, qn = quote_change(o.sentences[i], b) if i is not None else ("", excerpt(b, m.span(1)))
            out.append(Signal(True, "sharing", "new_recipient", f"new named recipient: {name}", qo, qn, j))
            break
    return out
