"""The policy's own date: "Last updated: March 17, 2021", "Effective as of May 25, 2018", "Stand: 6. Oktober
2022", "Dernière mise à jour : 04 juin 2023", "Última actualización: 15 de mayo de 2024".

Readers think in these dates, not in fetch dates. Pure: text in, ISO date ("YYYY-MM-DD") or None out.
The first labelled date of the text wins (policies put it under the title). A label is only believed on
a short line (a date line, not a sentence that mentions an effective date), and a date only when its day
is known: "October 2021" and an English 03/04/2021 (which day comes first?) give None, never a guess.
"""

from __future__ import annotations

import re
from datetime import date

# Labels that introduce the policy's date, several languages; matched case-insensitively.
LABELS = (
    # English
    r"last\s+(?:updated|modified|revised|changed|amended|reviewed)(?:\s+on)?",
    r"date\s+of\s+last\s+(?:revision|update|modification)", r"(?:last\s+)?revision\s+date", r"revised(?:\s+on)?",
    r"effective\s+(?:date|as\s+of|from|since|on)", r"effective", r"updated(?:\s+on|\s+as\s+of)?", r"version\s+date",
    r"date\s+of\s+(?:entry\s+into\s+force|effect)",
    # French
    r"derni[eè]re\s+mise\s+[àa]\s+jour(?:\s+le)?", r"date\s+de\s+(?:derni[eè]re\s+)?mise\s+[àa]\s+jour",
    r"mise?\s+[àa]\s+jour\s+le", r"en\s+vigueur\s+(?:le|[àa]\s+compter\s+du|depuis\s+le)",
    r"date\s+d[’']entr[ée]e\s+en\s+vigueur", r"date\s+d[’']effet",
    # German
    r"stand", r"zuletzt\s+(?:aktualisiert|ge[äa]ndert)(?:\s+am)?", r"letzte\s+(?:aktualisierung|[äa]nderung)",
    r"aktualisiert\s+am", r"g[üu]ltig\s+(?:ab|seit)", r"in\s+kraft\s+(?:seit|ab)", r"datum\s+des\s+inkrafttretens",
    # Spanish
    r"fecha\s+de\s+(?:la\s+)?(?:[úu]ltima\s+)?(?:actualizaci[óo]n|modificaci[óo]n|revisi[óo]n)",
    r"[úu]ltima\s+(?:actualizaci[óo]n|modificaci[óo]n|revisi[óo]n)", r"actualizad[oa]\s+el",
    r"fecha\s+(?:de\s+entrada\s+en\s+vigor|efectiva|de\s+vigencia)", r"vigente\s+(?:desde|a\s+partir\s+del?)",
    # Italian
    r"ultimo\s+aggiornamento", r"ultima\s+modifica", r"aggiornat[oa]\s+(?:il|al)",
    r"data\s+di\s+(?:entrata\s+in\s+vigore|ultimo\s+aggiornamento)", r"in\s+vigore\s+dal",
    # Portuguese
    r"[úu]ltima\s+(?:atualiza[çc][ãa]o|altera[çc][ãa]o)", r"atualizad[oa]\s+em",
    r"data\s+(?:de\s+vig[êe]ncia|da\s+[úu]ltima\s+atualiza[çc][ãa]o)", r"em\s+vigor\s+(?:desde|a\s+partir\s+de)",
    # Dutch
    r"laatst\s+(?:bijgewerkt|gewijzigd)(?:\s+op)?", r"laatste\s+(?:update|wijziging)", r"bijgewerkt\s+op",
    r"ingangsdatum", r"datum\s+van\s+inwerkingtreding",
)
ENGLISH = re.compile(r"^(?:last|date|revision|revised|effective|updated|version)\b", re.IGNORECASE)
_LABEL = re.compile(r"(?:" + "|".join(LABELS) + r")(?![^\W\d_])", re.IGNORECASE)
# between the label and the date: markup, punctuation and a few connecting words
_FILLER = re.compile(r"^(?:[\s*_:：\-–—\[(|>]|\b(?:on|as\s+of|of|from|le|du|am|el|del|il|dal|em|op|the)\b)*",
                     re.IGNORECASE)
MAX_LINE = 160  # a date line is short; a longer one is a sentence about dates

MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    "january jan janvier janv januar jänner jaenner enero ene gennaio gen janeiro januari",
    "february feb février fevrier févr fevr februar febrero febbraio fevereiro fev februari",
    "march mar mars märz maerz marzo março marco maart mrt",
    "april apr avril avr abril aprile",
    "may mai mayo maggio maio mei",
    "june jun juin juni junio giugno junho",
    "july jul juillet juil juli julio luglio julho",
    "august aug août aout august agosto ago augustus",
    "september sep sept septembre septiembre setiembre settembre set setembro",
    "october oct octobre oktober okt octubre ottobre ott outubro out",
    "november nov novembre noviembre novembro",
    "december dec décembre decembre déc dezember dez diciembre dic dicembre dezembro",
), start=1):
    for _name in _names.split():
        MONTHS.setdefault(_name, _number)
_MONTH = "(?P<month>" + "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True)) + r")\.?"
_ORDINAL = r"(?:st|nd|rd|th|er|ᵉʳ|º|°)?\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_WRITTEN = (
    re.compile(rf"^(?P<day>\d{{1,2}}){_ORDINAL}\s*(?:de\s+)?{_MONTH},?\s*(?:de\s+|del\s+)?{_YEAR}(?!\d)",
               re.IGNORECASE),
    re.compile(rf"^{_MONTH}\s*(?P<day>\d{{1,2}}){_ORDINAL},?\s*{_YEAR}(?!\d)", re.IGNORECASE),
)
_ISO = re.compile(rf"^{_YEAR}[-/.](?P<month>\d{{1,2}})[-/.](?P<day>\d{{1,2}})(?!\d)")
_CJK = re.compile(rf"^{_YEAR}\s*年\s*(?P<month>\d{{1,2}})\s*月\s*(?P<day>\d{{1,2}})\s*日")
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})\s*[./-]\s*(?P<b>\d{1,2})\s*[./-]\s*(?P<year>(?:19|20)\d\d)(?!\d)")


def parse_date(text: str, *, day_first: bool | None = True) -> date | None:
    """A date at the start of ``text``. ``day_first`` settles 03/04/2021: True (most of the world),
    False (the US), None (unknown: only an unambiguous numeric date is read)."""
    text = text.strip()
    for pattern in (_ISO, _CJK):
        if m := pattern.match(text):
            return _date(int(m["year"]), int(m["month"]), int(m["day"]))
    for pattern in _WRITTEN:
        if m := pattern.match(text):
            return _date(int(m["year"]), MONTHS[m["month"].lower()], int(m["day"]))
    if m := _NUMERIC.match(text):
        a, b, year = int(m["a"]), int(m["b"]), int(m["year"])
        if a > 12 or b > 12 or a == b:
            day, month = (a, b) if a > 12 or a == b else (b, a)
        elif day_first is None:
            return None
        else:
            day, month = (a, b) if day_first else (b, a)
        return _date(year, month, day)
    return None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def effective_date(markdown: str) -> str | None:
    """The policy's own date in its text ("YYYY-MM-DD"), or None when it states none with a known day."""
    for line in markdown.splitlines():
        line = line.strip()
        if not line or len(line) > MAX_LINE:
            continue
        for label in _LABEL.finditer(line):
            if not _starts_a_word(line, label.start()):
                continue
            rest = line[label.end():]
            rest = rest[_FILLER.match(rest).end():]  # type: ignore[union-attr]  # the pattern matches ""
            # English writes 03/04/2021 month first (the US) or day first (the UK): unknown, so unread
            found = parse_date(rest, day_first=None if ENGLISH.match(label.group(0)) else True)
            if found is not None:
                return found.isoformat()
    return None


def _starts_a_word(line: str, at: int) -> bool:
    """'Stand' in 'understand' is no label; 'Last' in 'Privacy PolicyLast Modified' (a title glued to its
    date line by the page's markup) is one."""
    before = line[at - 1] if at else " "
    return not before.isalpha() or (before.islower() and line[at].isupper())
