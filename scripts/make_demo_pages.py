"""Write the demo revisions of the seed page into tracker/demo_pages/ (run once; the outputs are committed).

Each revision is the real 2021-03-17 page with edits a real site makes:
  v1-noisy        page noise only (menu order, nonce, cookie banner, tracking ids, footer year)
  v2-cosmetic     a new "Last Updated" date, typography and a link target: recorded, judged "none"
  v3-substantive  new data kinds, a sale, longer retention, a moved, a renamed and a removed section
"""

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent / "tracker" / "demo_pages"
SEED = (HERE / "plex-privacy-policy-2021-03-17.html").read_text(encoding="utf-8")


def replace(text: str, old: str, new: str, count: int = 1) -> str:
    assert text.count(old) >= count, f"not found: {old[:60]!r}"
    return text.replace(old, new, count)


def noisy(page: str) -> str:
    page = replace(page, "</body>", '<div id="onetrust-banner-sdk" class="cookie-consent">We use cookies. '
                   '<a href="/cookies?utm_source=banner">Cookie settings</a><button>Accept all</button></div>'
                   '<script nonce="r4nd0m-9f8e7d">window.__BUILD_ID__="b-20220104";</script></body>')
    page = replace(page, "© 2022 Plex Systems.", "© 2023 Plex Systems.")
    page = replace(page, 'href="https://www.plex.com/"><span>', 'href="https://www.plex.com/?utm_source=policy&amp;gclid=xyz123"><span>')
    page = replace(page, "<h4>Products</h4>", "<h4>Solutions</h4>")
    return page


def cosmetic(page: str) -> str:
    page = page.replace("Last Updated: March 17, 2021", "Last Updated: January 4, 2022")
    page = replace(page, "(“Right to be forgotten”)", '("Right to be forgotten")')
    page = replace(page, 'href="mailto:privacy@plex.com"', 'href="mailto:privacy@plex.com?subject=Privacy"')
    return noisy(page)


def substantive(page: str) -> str:
    page = page.replace("Last Updated: March 17, 2021", "Last Updated: June 1, 2022")
    item = re.search(r"<li>(?:<span>)+Your name and physical address.*?</li>", page).group(0)
    page = replace(page, item, item + "\n<li>Precise geolocation of your devices</li>\n"
                   "<li>Biometric identifiers, such as voice and face prints, when you use our mobile apps</li>")
    page = replace(page, "Plex does not share, sell, rent, or trade Personal Data collected through its Channels with "
                   "third parties for their sole promotional purposes",
                   "Plex may share, sell, rent, or trade Personal Data collected through its Channels with third "
                   "parties, including advertising partners, for their own promotional purposes")
    page = replace(page, "We may retain your Personal Data for a period of time consistent with the original purpose "
                   "of collection or as long as required to fulfill our legal obligations.",
                   "We may retain your Personal Data for up to ten years after your last interaction with us, or "
                   "longer where required to fulfill our legal obligations.")
    page = replace(page, "<h2>Retention of Information</h2>", "<h2>How Long We Keep Your Information</h2>")
    page = replace(page, "We will respond to all legitimate requests within thirty (30) days",
                   "We will respond to all legitimate requests within ninety (90) days")
    # Privacy Shield removed (the framework was invalidated): drop its heading and three paragraphs.
    start = page.index("<h2>Privacy Shield</h2>")
    end = page.index("<h2>Data Processing and Cross-Border Transfer of Information</h2>")
    page = page[:start] + page[end:]
    # Children moves up, before Security.
    c_start = page.index("<h2>Children</h2>")
    c_end = page.index("<h2>Contact Us</h2>")
    children = page[c_start:c_end]
    page = page[:c_start] + page[c_end:]
    page = replace(page, "<h2>Security</h2>", children + "<h2>Security</h2>")
    return noisy(page)


if __name__ == "__main__":
    outputs = {
        "plex-privacy-policy-v1-noisy.html": noisy(SEED),
        "plex-privacy-policy-v2-cosmetic.html": cosmetic(SEED),
        "plex-privacy-policy-v3-substantive.html": substantive(SEED),
    }
    for name, text in outputs.items():
        (HERE / name).write_text(text, encoding="utf-8")
        print("wrote", HERE / name)
