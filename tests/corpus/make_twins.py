"""Render each page in src/ twice: NAME.html (one fetch) and NAME.noisy.html (another fetch).

    .venv/bin/python -m tests.corpus.make_twins

The two differ only in what changes between fetches of an unchanged policy, never in its text:

  {{nonce}} {{token}} {{build}}   CSP nonces, CSRF / view-state tokens, build ids
  {{year}}                        the footer year
  {{ago}}                         the number in "3 days ago" (sidebars, comments, article meta)
  {{utm}}                         tracking parameters on links (&-joined, without the leading ?)
  {{cf:someone@example.org}}      a Cloudflare-protected address, encoded with another key
  {{banner}}                      nothing on one fetch, a cookie-consent banner on the other
  <!--menu--> … <!--/menu-->      menu items, rotated (a "featured" item that moves around)
  {{crlf}}                        a file whose line endings and trailing blanks differ

Pages that are not HTML (PDF, text) are written by their own builders below.
"""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).parent

FETCHES = {
    "plain": {
        "nonce": "a81f0c2e9d4b", "token": "Zm9vYmFyLXRva2VuLTAwMQ==", "build": "b7Yx2QpL0mK3", "year": "2024",
        "ago": "3", "utm": "utm_source=site&utm_medium=referral", "cfkey": 0x4F, "banner": "",
    },
    "noisy": {
        "nonce": "e09c77d1f2a0", "token": "cXV4LXRva2VuLTk5OTk5OQ==", "build": "Qz81LmNvVk9x", "year": "2025",
        "ago": "11",
        "utm": "utm_source=newsletter&utm_campaign=spring24&gclid=EAIaIQobChMI8x&fbclid=IwAR2x&mc_eid=5e1f",
        "cfkey": 0xA3,
        "banner": """
<div id="onetrust-consent-sdk"><div class="onetrust-pc-dark-filter ot-fade-in"></div>
<div id="onetrust-banner-sdk" class="otFlat" role="region" aria-label="Cookie banner" tabindex="0">
<div class="ot-sdk-container"><div class="ot-sdk-row"><div id="onetrust-group-container">
<div id="onetrust-policy"><h2 id="onetrust-policy-title">We value your privacy</h2>
<p id="onetrust-policy-text">We use cookies to improve your experience, analyse traffic and show you
personalised content. By clicking &ldquo;Accept All Cookies&rdquo;, you agree to the storing of cookies on your
device. <a class="ot-cookie-policy-link" href="/cookie-policy?utm_source=banner">Cookie Policy</a></p></div></div>
<div id="onetrust-button-group-parent"><div id="onetrust-button-group">
<button id="onetrust-pc-btn-handler">Cookie Settings</button>
<button id="onetrust-accept-btn-handler">Accept All Cookies</button>
</div></div></div></div></div></div>
""",
    },
}


def cf_encode(email: str, key: int) -> str:
    return f"{key:02x}" + "".join(f"{ord(c) ^ key:02x}" for c in email)


def _rotate_menus(html: str, shift: int) -> str:
    def rotate(m: re.Match) -> str:
        items = re.findall(r"<li\b.*?</li>", m.group(1), flags=re.S)
        if len(items) < 2 or not shift:
            return m.group(1)
        k = shift % len(items)
        return "\n".join(items[k:] + items[:k])

    return re.sub(r"<!--menu-->(.*?)<!--/menu-->", rotate, html, flags=re.S)


def render(template: str, fetch: str) -> str:
    values = FETCHES[fetch]
    out = re.sub(r"\{\{cf:([^}]+)\}\}", lambda m: cf_encode(m.group(1), values["cfkey"]), template)
    for name in ("nonce", "token", "build", "year", "ago", "utm"):
        out = out.replace("{{" + name + "}}", values[name])
    out = out.replace("{{banner}}", values["banner"])
    out = _rotate_menus(out, 0 if fetch == "plain" else 2)
    if fetch == "noisy":
        out = out.replace("\n", "  \r\n")  # another server, another line ending
    return out


def main() -> None:
    for src in sorted((HERE / "src").glob("*.html")):
        template = src.read_text(encoding="utf-8")
        (HERE / src.name).write_text(render(template, "plain"), encoding="utf-8", newline="")
        (HERE / (src.stem + ".noisy.html")).write_text(render(template, "noisy"), encoding="utf-8", newline="")
    from tests.corpus import builders

    builders.build_all(HERE)


if __name__ == "__main__":
    main()
