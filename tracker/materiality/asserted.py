"""Whether a keyword hit asserts what it names: the checks that keep a hit from becoming a finding.

A recipient named where nothing is given to it, a purpose named in a sentence about fees, a term
named as the subject of a law, a qualifier given as an example, a practice the old text denied
only to take back, a place where someone is rather than where data goes, a sentence that only moved,
users sharing among themselves, a capitalised defined term: each reads as a change by its words
alone. Pure functions over :class:`Side` and :class:`Mention`, used by :mod:`.signals`.
"""

from __future__ import annotations

import re

from .features import Mention, Side
from .rules import Entry, Rules
from .text import sentence_key

_OPT_OUT_OF = re.compile(r"\b(?:opt(?:\s|-)?out\s+of|turn\s+off|disable|switch\s+off)\s+(?:the\s+|your\s+|our\s+)?"
                        r"((?:[\w'-]+\s+){0,3}?[\w'-]+)(?=\s+(?:through|via|by|in|at|from|on|using|if|when)\b|[,.;:]|$)")


def practice_gone(m: Mention, o: Side, new: Side) -> bool:
    """A choice deleted with the practice it controls ("We also allow users to look for their
    friends by email address; you can, however, opt out of email lookup" gone, and "email lookup"
    nowhere in the new text): nothing is done any more, so no choice is lost."""
    low = o.sentences[m.clause.sentence].lower()
    found = _OPT_OUT_OF.search(low)
    # the practice is stated in the same sentence ("We also allow ...; you can opt out of ...")
    return (found is not None and bool(re.search(r"\bwe\b", low[:found.start()]))
            and found.group(1) not in new.low)


_NEGATED_BEFORE = re.compile(r"(?:\bnot|n't|\bwithout|\bnever|\bno)\s+(?:\w+\s+){0,2}$")


_EXAMPLE_BEFORE = re.compile(r"\b(?:such as|e\.g\.|for example|for instance)\b[^.;:()]*$")


def qualifier_counts(side: Side, q: Entry) -> tuple[int, int]:
    """(plain, negated) uses of a qualifier: "without your consent" and "where we're not
    compelled by law" say the opposite of "with your consent" and "compelled by law"."""
    if q.pattern is None or (q.anchors is not None and side.lacks_anchors(q)):
        return 0, 0  # none of its anchor words on this side: no scan
    counts = side.__dict__.setdefault("_qualifier_counts", {})   # a side is judged again as the old one
    if id(q) not in counts:
        counts[id(q)] = _count(side, q)
    return counts[id(q)]


def _count(side: Side, q: Entry) -> tuple[int, int]:
    assert q.pattern is not None
    plain = negated = 0
    for m in q.pattern.finditer(side.low):
        before = side.low[max(0, m.start() - 40):m.start()]
        if _EXAMPLE_BEFORE.search(before):
            continue   # "legal process, such as a court order or subpoena": examples of a limit are no more limits
        if _NEGATED_BEFORE.search(before):
            negated += 1
        else:
            plain += 1
    return plain, negated


# People acting for themselves just before a verb: "customers who wish to share", "you can share",
# "lets users share". Sharing there is a feature they use among themselves, not a disclosure by the company.
_USERS_BEFORE = re.compile(r"\b(?:you|users?|customers?|members?|people|individuals|participants|friends"
                           r"|account\s+holders?)(?:\s+(?:who|that))?(?:\s+(?:must|may|will|shall|should|can|could"
                           r"|might|also|wish|want|choose|decide|like|need|are\s+able|is\s+able|to))*\s+$")


def users_act(low: str, start: int) -> bool:
    """Whether the verb at ``start`` of a lowercased text is done by users themselves."""
    return bool(_USERS_BEFORE.search(low[max(0, start - 60):start]))


def shared(m: Mention, side: Side, rules: Rules) -> bool:
    """A recipient is one only in a sentence that gives it something, and gives it not by users'
    own act ("customers who wish to share ... with other Wise customers")."""
    ctx = rules.contexts.get("sharing")
    sentence = side.sentences[m.clause.sentence].lower()
    if ctx is None or ctx.pattern is None:
        return True
    return any(not users_act(sentence, hit.start()) for hit in ctx.pattern.finditer(sentence))


def reworded(m: Mention, o: Side, n: Side) -> bool:
    """A mention whose every word the old version of its sentence already had ("approximate or
    “coarse” location" -> "approximate location"): the same thing, reworded."""
    words = re.findall(r"\w+", m.clause.low[m.span[0]:m.span[1]])
    old = set(re.findall(r"\w+", o.counterpart(n.sentences[m.clause.sentence]).lower()))
    return bool(words) and all(w in old for w in words)


def priced(m: Mention, side: Side, rules: Rules) -> bool:
    """A purpose named in a sentence about what users pay, with no data in it, names something
    sold ("fees ... based on an advertising campaign budget that you set"), not a use of data."""
    sentence = side.sentences[m.clause.sentence].lower()
    fees, data = rules.categories.get("fees"), rules.contexts.get("personal_data")
    return (fees is not None and data is not None and bool(fees.search(sentence))
            and not data.search(sentence))


def points_elsewhere(m: Mention, side: Side, rules: Rules) -> bool:
    """A mention in a sentence that only says where to read more asserts no practice."""
    ctx = rules.contexts.get("pointer")
    return ctx is not None and bool(ctx.search(side.sentences[m.clause.sentence].lower()))


# A term named as the subject of a law ("laws relating to automatic renewal") is no term of the contract.
LAW_TOPIC = re.compile(r"\b(?:laws?|regulations?|those)\b[^.;]{0,30}?\b(?:relating|related|pertaining|applicable)\s+to"
                       r"\s+(?:\w+\s+){0,2}$|\blaws?\s+(?:on|governing|regarding|concerning)\s+(?:\w+\s+){0,2}$")


def asserted(pos: dict[str, Mention], neg: dict[str, Mention],
             rules: Rules) -> tuple[dict[str, Mention], dict[str, Mention]]:
    """A term that holds its own negation ("no refunds", "do not roll over") asserts the burden:
    its clause is negated by the term alone, so the mention is plain."""
    own = {name: m for name, m in neg.items() if name not in pos and _self_negated(m, rules)}
    if not own:
        return pos, neg
    return {**pos, **own}, {k: m for k, m in neg.items() if k not in own}


def _self_negated(m: Mention, rules: Rules) -> bool:
    low = m.clause.low
    rest = low[:m.span[0]] + " … " + low[m.span[1]:]
    return bool(rules.negation.search(low[m.span[0]:m.span[1]])) and not rules.negation.search(rest)


def moving_data(places: dict[str, str], rules: Rules) -> dict[str, str]:
    """Transfer places without those named only as where someone is ("a government entity or
    official located outside of the United States"): a sentence whose one transfer word is
    "outside" moves data only when it names some."""
    ctx, data = rules.contexts.get("transfer"), rules.contexts.get("personal_data")
    if ctx is None or ctx.pattern is None or data is None:
        return places
    return {k: s for k, s in places.items()
            if data.search(s.lower()) or any(m.group(0) != "outside" for m in ctx.pattern.finditer(s.lower()))}


def taken_back(o: Side, verb: str, rules: Rules) -> bool:
    """Whether the old text denied the practice only to take it back ("We do not share your
    personal data ... except as described in this Privacy Policy"): stating it ("Nord may also
    share your personal data in the following cases:") then adds nothing."""
    vacuous, stem = rules.vacuous_exceptions, verb[:5]
    return vacuous is not None and any(stem in s.lower() and vacuous.search(s.lower()) for s in o.sentences)


def elsewhere(sentence: str, doc: Side | None) -> bool:
    """Whether the sentence stands, word for word, somewhere in the other version of the document:
    text moved between sections (a section moved, re-parented, or its heading moved over it)."""
    return doc is not None and (sentence.lower() in doc.low
                                or (len(doc.low) < 200_000 and sentence_key(sentence) in doc.keys))


def defined_term(text: str, start: int) -> bool:
    """A capitalised word after the clause's first words is a name or defined term ("your Money
    Transfer", "the Data Transfer Agreement"), not the company's act."""
    return 0 < start < len(text) and text[start].isupper() and any(ch.islower() for ch in text[:start])
