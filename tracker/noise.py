"""Per-fetch noise that is not policy text: tracking parameters, session ids, obfuscated e-mail.

Pure string and tree functions used by the normalizer. Every rule here folds two spellings of the
same page into one; none of them may drop words a reader sees as the policy.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from lxml.etree import _Element as HtmlElement

# Query parameters that identify a campaign, a click or a visitor, never the linked document.
TRACKING_PARAMS = frozenset({
    "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "gad_source", "fbclid", "igshid", "msclkid", "yclid",
    "twclid", "ttclid", "li_fat_id", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp",
    "hsctatracking", "mkt_tok", "ref", "ref_src", "ref_url", "referrer", "source", "_ga", "_gl", "_openstat",
    "vero_id", "vero_conv", "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid", "wickedid", "srsltid",
    "spm", "scid", "trk", "trkcampaign", "cmpid", "sc_cid", "ocid", "ncid", "epik", "_branch_match_id",
    "_kx", "ss_source", "ss_campaign_id", "irclickid", "irgwc", "clickid", "affiliate_id", "aff_id",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "matomo_", "piwik_", "_hs", "ga_", "mc_")
# Parameters that change on every fetch: sessions, anti-forgery tokens, cache busters.
PER_FETCH_PARAMS = frozenset({
    "sid", "sessionid", "session_id", "jsessionid", "phpsessid", "aspsessionid", "cfid", "cftoken",
    "nonce", "csrf", "_csrf", "csrf_token", "csrfmiddlewaretoken", "authenticity_token", "_token", "token",
    "_", "cb", "cachebuster", "cache_buster", "nocache", "timestamp", "ts", "rnd", "rand", "random",
    "requestid", "request_id", "_t", "t",
})
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#;]*", re.IGNORECASE)
_CF_PATH = "/cdn-cgi/l/email-protection"


def is_noise_param(name: str, extra: frozenset[str] | tuple[str, ...] = ()) -> bool:
    low = name.lower()
    return (
        low in TRACKING_PARAMS
        or low in PER_FETCH_PARAMS
        or low.startswith(TRACKING_PREFIXES)
        or low in extra
    )


def clean_url(url: str, extra_params: tuple[str, ...] = ()) -> str:
    """A link target with tracking parameters, session ids and text fragments removed.

    Parameter order and the remaining parameters are kept as written: they may name the document.
    """
    url = url.strip()
    if not url or url.lower().startswith(("javascript:", "data:")):
        return ""
    if _CF_PATH in url and "#" in url:
        email = cf_decode(url.split("#", 1)[1])
        return "mailto:" + email if email else ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    extra = frozenset(p.lower() for p in extra_params)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not is_noise_param(k, extra)]
        # re-encoded whether or not anything went, so that both spellings of a query come out alike
        query = urlencode(kept, quote_via=quote, safe="/:@,")
    path = _PATH_SESSION.sub("", parts.path)
    fragment = parts.fragment
    if fragment.startswith(":~:"):  # scroll-to-text fragments are the browser's, not the author's
        fragment = ""
    elif fragment and "=" in fragment and "&" in fragment:  # fragment-borne tracking (#utm_source=..&..)
        pairs = parse_qsl(fragment, keep_blank_values=True)
        fragment = urlencode([(k, v) for k, v in pairs if not is_noise_param(k, extra)], quote_via=quote)
    return urlunsplit((parts.scheme, parts.netloc, path, query, fragment))


def cf_decode(hexstr: str) -> str:
    """Cloudflare's e-mail obfuscation: hex bytes, the first a key XOR-ed into the rest."""
    hexstr = hexstr.strip()
    try:
        data = bytes.fromhex(hexstr)
    except ValueError:
        return ""
    if len(data) < 2:
        return ""
    key = data[0]
    try:
        return unquote(bytes(b ^ key for b in data[1:]).decode("utf-8"))
    except UnicodeDecodeError:
        return ""


def decode_cloudflare_emails(root: HtmlElement) -> None:
    """Replace Cloudflare-protected addresses by the addresses, in text and in link targets."""
    for el in root.xpath("//*[@data-cfemail] | //a[contains(@href, '/cdn-cgi/l/email-protection')]"):
        hexstr = el.get("data-cfemail")
        if hexstr is not None:
            email = cf_decode(hexstr)
            parent = el.getparent()
            if parent is None:
                continue
            text = email + (el.tail or "")
            prev = el.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + text
            else:
                parent.text = (parent.text or "") + text
            parent.remove(el)
            continue
        href = el.get("href")
        if href and _CF_PATH in href:
            email = cf_decode(href.split("#", 1)[1]) if "#" in href else ""
            el.set("href", "mailto:" + email if email else "")


# "3 days ago", "Updated an hour ago", "yesterday": relative times shift with the clock, not the text.
_RELATIVE = (
    r"(?:(?:last\s+)?(?:updated|posted|edited|modified|published|answered|asked)\s*:?\s+)?"
    r"(?:(?:over|about|almost|nearly|more\s+than|less\s+than|under)\s+)?"
    r"(?:(?:\d+|an?|a\s+few|few)\s+(?:second|sec|minute|min|hour|hr|day|week|month|year)s?\s+ago|"
    r"just\s+now|yesterday|today)\.?"
)
RELATIVE_TIME = re.compile(rf"^{_RELATIVE}$", re.IGNORECASE)
# A help centre's byline: "Written by Ana", "Updated over a week ago", or both on one line.
BYLINE = re.compile(rf"^(?:(?:written|posted|published|edited)\s+by\s+[^.!?]{{1,60}}?\s*)?"
                    rf"(?:{_RELATIVE})?$", re.IGNORECASE)
