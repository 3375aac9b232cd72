"""Is this page the policy at all? Pure checks that keep error pages, login walls, bot challenges
and half-rendered pages out of the history."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.identity import SHORT_PAGE_WORDS, Identity, identify  # a phrase only counts on a page this short
from tracker.model import Document

# Phrases that, on a short page or in its title, mean "this is not the policy".
CHALLENGE = re.compile(
    r"just a moment|checking your browser|attention required|verify you are (?:a )?human|are you a robot|"
    r"captcha|ddos protection|cf-browser-verification|please enable cookies|enable javascript|"
    r"javascript is (?:disabled|required)|request unsuccessful|bot detection|unusual traffic",
    re.I,
)
ERROR_PAGE = re.compile(
    r"\b(?:404|403|500|502|503)\b.{0,40}\b(?:not found|forbidden|error|unavailable)\b|page not found|"
    r"access denied|access to this page has been denied|service unavailable|internal server error|"
    r"something went wrong|temporarily unavailable|under maintenance|this page (?:could not|can't|cannot) be found",
    re.I,
)
LOGIN = re.compile(r"\b(?:sign|log) ?in to (?:continue|view|access)|please (?:sign|log) ?in\b"
                   r"|session (?:has )?expired", re.I)
PASSWORD_INPUT = re.compile(r"<input[^>]+type\s*=\s*[\"']?password", re.I)

SHRINK_RATIO = 0.5


@dataclass(frozen=True)
class Suspicion:
    kind: str  # bot_challenge | error_page | login_wall | not_the_policy | shrank
    reason: str
    identity: Identity | None = None  # the evidence, for not_the_policy

    @property
    def refetch_may_confirm(self) -> bool:
        """A drastic cut can be real, and is stored when a second fetch agrees; the others never are."""
        return self.kind == "shrank"


def suspect(doc: Document, raw: str, previous: Document | None) -> Suspicion | None:
    words = doc.word_count
    head = " ".join([doc.title] + [s.heading for s in doc.sections[:2]])
    short = words < SHORT_PAGE_WORDS
    for kind, pattern, label in (("bot_challenge", CHALLENGE, "a bot challenge"),
                                 ("error_page", ERROR_PAGE, "an error page"),
                                 ("login_wall", LOGIN, "a login wall")):
        match = pattern.search(head) or (pattern.search(doc.markdown) if short else None)
        if match:
            return Suspicion(kind, f"the page looks like {label} ({match.group(0)!r}), not the policy")
    if short and PASSWORD_INPUT.search(raw):
        return Suspicion("login_wall", "the page asks for a password: a login wall, not the policy")
    if previous is not None:
        identity = identify(doc, [previous])
        if not identity.is_policy:
            return Suspicion("not_the_policy", identity.reason, identity)
    if previous is not None and words < SHRINK_RATIO * previous.word_count:
        return Suspicion("shrank", f"the text shrank from {previous.word_count} to {words} words")
    return None
