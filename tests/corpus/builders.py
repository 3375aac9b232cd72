"""The corpus documents that are not HTML: a PDF and a plain-text policy, each with a noisy twin."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.corpus.pdfgen import build

PDF_BLOCKS: list[tuple[str, str]] = [
    ("title", "Northwind Analytics Privacy Notice"),
    ("p", "Effective 2 April 2024. This notice applies to the Northwind Analytics platform, our websites and our "
          "customer support services."),
    ("h2", "1. Who We Are"),
    ("p", "Northwind Analytics GmbH, Speicherstadt 12, 20457 Hamburg, Germany, provides a business intelligence "
          "platform that lets organisations combine data from their sales, finance and operations systems into "
          "interactive dashboards. In this notice, \"Northwind\", \"we\" and \"us\" refer to Northwind Analytics GmbH "
          "and its subsidiaries in the United Kingdom and the United States."),
    ("p", "For personal data that our customers upload to the platform, we act as a processor on their behalf, and "
          "the customer's own privacy notice applies. This notice covers the personal data we control: data about "
          "the people who visit our websites, register for trials, attend our events and use our support services."),
    ("h2", "2. Personal Data We Collect"),
    ("h3", "2.1 Account and Contact Data"),
    ("p", "When you register for a trial or an account we collect your name, business email address, job title, "
          "company name and country. When a customer buys a subscription, we collect billing contact details and "
          "the information needed to invoice the customer. We never receive complete payment card numbers, which "
          "are processed by our payment service provider."),
    ("h3", "2.2 Usage and Device Data"),
    ("p", "When you use the platform we record which features you use, when you sign in, the browser and operating "
          "system you use, and your IP address. We use this information to operate and secure the platform, to "
          "troubleshoot problems, and to understand which features are valuable to customers. Usage data is "
          "pseudonymised after ninety days."),
    ("li", "Sign-in events, including failed attempts and the IP address they came from."),
    ("li", "Feature usage events, such as creating a dashboard or scheduling a report."),
    ("li", "Performance measurements, such as how long a dashboard takes to load."),
    ("h2", "3. Purposes and Legal Bases"),
    ("p", "We process account and contact data to perform our contract with you or your employer, and usage data on "
          "the basis of our legitimate interest in providing a secure and reliable service. Where we send marketing "
          "emails to people who are not customers, we do so with their consent, which can be withdrawn at any time "
          "through the unsubscribe link in every message. We process data to comply with our legal obligations, "
          "such as retaining invoices under the German Commercial Code for ten years."),
    ("h2", "4. Recipients and International Transfers"),
    ("p", "We share personal data with carefully selected service providers, including our cloud hosting provider in "
          "Frankfurt, our customer support software provider and our email delivery service. Our subsidiaries in the "
          "United Kingdom and the United States provide sales and support services and may access account and contact "
          "data. Transfers to the United States are based on the EU-U.S. Data Privacy Framework or on the standard "
          "contractual clauses adopted by the European Commission, together with supplementary measures."),
    ("h2", "5. Retention"),
    ("p", "We keep account data for as long as the account is active and delete it within ninety days after the "
          "subscription ends, unless we must keep it longer to comply with the law or to establish, exercise or "
          "defend legal claims. Marketing preferences are kept until you ask us to delete them, so that we can "
          "respect your choices."),
    ("h2", "6. Your Rights"),
    ("p", "You have the right to access your personal data, to have it corrected or erased, to restrict or object "
          "to its processing, and to data portability. You also have the right to lodge a complaint with a "
          "supervisory authority, in particular the Hamburg Commissioner for Data Protection and Freedom of "
          "Information. To exercise your rights, email privacy@northwind-analytics.example."),
]

PDF_FETCHES = {
    "plain": {"footer": "Northwind Analytics GmbH | Privacy Notice | Page {page} of {pages}",
              "header": "Downloaded 2024-04-03 08:15 UTC",
              "info": {"Producer": "Northwind DocGen 4.1", "CreationDate": "D:20240403081500Z"},
              "doc_id": "6c3e0f1a9b2d4e7f8a1b2c3d4e5f6071"},
    "noisy": {"footer": "Northwind Analytics GmbH | Privacy Notice | Page {page} of {pages}",
              "header": "Downloaded 2024-05-19 22:41 UTC",
              "info": {"Producer": "Northwind DocGen 4.2", "CreationDate": "D:20240519224100Z"},
              "doc_id": "f0e1d2c3b4a5968778695a4b3c2d1e0f"},
}

TEXT_POLICY = """\
MERIDIAN PUBLIC LIBRARY

INTERNET AND WI-FI ACCEPTABLE USE AND PRIVACY POLICY

Approved by the Board of Trustees on 18 May 2023. This policy applies to the
public computers in all Meridian Public Library branches and to the free
wireless network available in and around library buildings.

1. PURPOSE

The Library provides free access to the internet as part of its mission to
give everyone in the community access to information. This policy explains
the rules for using that access and how the Library treats information about
the people who use it.

The Library does not monitor or filter the content that adults choose to
view, except as required by the Children's Internet Protection Act for
computers in the children's areas.

2. USING LIBRARY COMPUTERS

2.1 Sessions

Public computers are available for sessions of up to two hours a day, which
may be extended when no one is waiting. You need a library card or a guest
pass to sign in. Guest passes are available at the service desk and require
no identification.

2.2 Rules of use

While using library computers or the wireless network you must not:

- break the law, including copyright law;
- attempt to damage or reconfigure library equipment or software;
- harass other people or display obscene images in public areas;
- use another person's library card or account without permission.

3. PRIVACY

3.1 What we record

The sign-in system records your library card number or guest pass number and
the start and end time of your session, so that we can share computers
fairly. This record is deleted automatically at the end of each day.

3.2 What we do not record

The Library does not keep a record of the websites you visit, the searches
you make or the documents you print. At the end of every session, the
computer is restored automatically to its original state, and all browsing
history, downloads and passwords entered during the session are erased.

3.3 Wireless network

The wireless network is open and unencrypted. The Library's network
equipment keeps the hardware address of connected devices for up to seven
days to manage the network. We recommend using encrypted connections for any
sensitive activity.

4. DISCLOSURE OF RECORDS

Library records are confidential under state law. The Library will disclose
records about a person's use of library services only with that person's
written consent, or in response to a subpoena or court order that has been
reviewed by the Library's legal counsel.

5. CONTACT

Questions about this policy may be directed to the Library Director, Meridian
Public Library, 300 Center Street, Meridian, or to director@meridianlibrary.example.
"""


def _rewrap(text: str, width: int) -> str:
    """The same words laid out at another width, as another export of the same document would be."""
    out = []
    for para in text.split("\n\n"):
        lines = para.split("\n")
        if any(ln.startswith("- ") for ln in lines):
            out.append(para)
            continue
        out.append("\n".join(textwrap.wrap(" ".join(lines), width, break_on_hyphens=False)) or para)
    return "\n\n".join(out)


def build_all(here: Path) -> None:
    for name, fetch in PDF_FETCHES.items():
        data = build(PDF_BLOCKS, header=fetch["header"], footer=fetch["footer"], info=fetch["info"],
                     doc_id=fetch["doc_id"])
        (here / ("northwind-privacy-notice" + (".noisy" if name == "noisy" else "") + ".pdf")).write_bytes(data)
    (here / "library-internet-policy.txt").write_text(TEXT_POLICY, encoding="utf-8", newline="")
    noisy = "\ufeff" + _rewrap(TEXT_POLICY, 64).replace("\n", " \r\n")
    (here / "library-internet-policy.noisy.txt").write_text(noisy, encoding="utf-8", newline="")
