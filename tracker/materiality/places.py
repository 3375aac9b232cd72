"""Places and parties: governing law, venue, transfer destinations, the controller and recipients
named by their legal form. Judged on the sentences whose context words name what the place or
entity is (rules ``[contexts]``: law, venue, transfer, controller, recipient).
"""

from __future__ import annotations

import re

from .asserted import moving_data
from .features import Side
from .finding import Signal
from .rules import Rules
from .text import excerpt


def _bases(entities: dict[str, str], rules: Rules) -> set[str]:
    """Entity names without their legal form ("Example Inc." and "Example LLC" -> "example")."""
    suffixes = sorted((re.sub(r"[^\w\s]", "", s.lower()) for s in rules.entity_suffixes), key=len, reverse=True)
    out = set()
    for key in entities:
        for suf in suffixes:
            if key.endswith(" " + suf):
                key = key[: -len(suf) - 1]
                break
        out.add(key)
    return out


def _set_change(label: str, before: dict[str, str], after: dict[str, str]) -> str:
    return f"{label}: {', '.join(before) or '(none)'} -> {', '.join(after) or '(none)'}"


def place_signals(o: Side, n: Side, rules: Rules, doc_old: Side | None) -> list[Signal]:
    out: list[Signal] = []
    for ctx, signal, label in (("law", "governing_law_changed", "governing law changed"),
                               ("venue", "venue_changed", "venue changed")):
        before, after = o.places_in(ctx), n.places_in(ctx)
        if set(before) != set(after) and (before or after):
            out.append(Signal(True, "disputes", signal, _set_change(label, before, after),
                              excerpt(next(iter(before.values()), "")), excerpt(next(iter(after.values()), ""))))
    unless = ("law", "venue", "controller", "legal_reference")
    before, after = (moving_data(side.places_in("transfer", unless), rules) for side in (o, n))
    fresh = [k for k in after if k not in before]
    known = set(doc_old.places_in("transfer", unless)) if doc_old and fresh else set()
    anywhere = rules.contexts.get("anywhere")
    if anywhere is not None and any(anywhere.search(s.lower()) for s in o.sentences
                                    if rules.contexts["transfer"].search(s.lower())):
        known |= set(after)   # the old text already allowed transfers anywhere
    added = {k: v for k, v in after.items() if k not in before and k not in known}
    if added:
        gone = [k for k in before if k not in after]
        detail = (f"transfer destination changed: {', '.join(gone)} -> {', '.join(added)}" if gone
                  else f"transfer destination added: {', '.join(added)}")
        out.append(Signal(True, "international", "transfer_destination_changed", detail,
                          excerpt(next(iter(before.values()), "")), excerpt(next(iter(added.values())))))
    elif set(before) - set(after):
        out.append(Signal(False, "international", "transfer_destination_removed",
                          f"transfer destination no longer named: {', '.join(k for k in before if k not in after)}",
                          excerpt(next(iter(before.values()))), ""))
    ent_o, ent_n = o.entities_in("controller"), n.entities_in("controller")
    pl_o, pl_n = o.places_in("controller"), n.places_in("controller")
    if ent_o and ent_n and set(ent_o) != set(ent_n) and _bases(ent_o, rules) == _bases(ent_n, rules):
        out.append(Signal(False, "controller", "controller_legal_form_changed",
                          f"legal form changed, same entity: {', '.join(ent_o.values())}"
                          f" -> {', '.join(ent_n.values())}",
                          ", ".join(ent_o.values()), ", ".join(ent_n.values()), neutral=True))
    elif ent_o and ent_n and set(ent_o) != set(ent_n):
        out.append(Signal(True, "controller", "controller_changed",
                          f"controller changed: {', '.join(ent_o.values())} -> {', '.join(ent_n.values())}",
                          ", ".join(ent_o.values()), ", ".join(ent_n.values())))
    elif pl_o and pl_n and set(pl_o) != set(pl_n):
        kinds = {p.name: p.kind for p in rules.places}
        countries_o = {k for k in pl_o if kinds.get(k) == "country"}
        countries_n = {k for k in pl_n if kinds.get(k) == "country"}
        address = rules.contexts.get("address")
        in_address = address is not None and all(address.search(t.lower()) for t in (*pl_o.values(), *pl_n.values()))
        if countries_o != countries_n and not in_address:
            out.append(Signal(True, "controller", "controller_changed",
                              _set_change("controller's country changed", pl_o, pl_n),
                              excerpt(next(iter(pl_o.values()))), excerpt(next(iter(pl_n.values())))))
        else:
            out.append(Signal(False, "controller", "controller_address_changed",
                              _set_change("controller's address changed", pl_o, pl_n),
                              excerpt(next(iter(pl_o.values()))), excerpt(next(iter(pl_n.values()))),
                              neutral=True))
    named = {k: w for k, w in n.entities_in("recipient").items() if k not in ent_n and k not in o.entities_in(None)}
    rec_o = set(doc_old.entities_in(None)) if doc_old and named else set()
    for key, written in named.items():
        if key not in rec_o:
            out.append(Signal(True, "sharing", "new_recipient", f"new named recipient: {written}", "", written))
    return out
