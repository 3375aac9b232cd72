"""Build the replay fixtures of tests/test_replay.py from an Open Terms Archive versions mirror.

    python tests/replay/build.py /path/to/pga-versions.git "Tumblr/Privacy Policy.md" tests/replay/tumblr-privacy \
        --owner "Tumblr, Inc."
    python tests/replay/build.py /path/to/contrib-versions.git "Proton Mail/Terms of Service.md" \
        tests/replay/proton-mail-terms

Reads the commits listed in <dir>/steps.toml, trims every version the same way (a paragraph that is
identical in all versions is dropped, except headings and the first such paragraph under each heading,
so every change of the history is kept with its section around it), renders the Markdown as a plain HTML
page with the same navigation and footer each time (titled "<document> | <service>", the service being the
document's folder in the mirror; the footer names --owner, default the service), and writes <dir>/NN-<commit>.html.
Run once by hand (needs the mirror and markdown-it-py, which rich already brings); tests only read the output.
Data: Open Terms Archive contributors, ODC-BY 1.0.
"""

from __future__ import annotations

import argparse
import html
import re
import subprocess
import tomllib
from pathlib import Path

from markdown_it import MarkdownIt

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | {service}</title></head>
<body>
<nav><a href="/">Home</a> <a href="/explore">Explore</a> <a href="/login">Log in</a></nav>
<main>
{body}
</main>
<footer>© {owner} <a href="/policy/en/terms-of-service">Terms</a> <a href="/privacy">Privacy</a></footer>
</body></html>
"""


def blocks(markdown: str) -> list[str]:
    return [b.strip("\n") for b in re.split(r"\n\s*\n", markdown) if b.strip()]


def is_heading(block: str) -> bool:
    last = block.splitlines()[-1].strip()
    return block.startswith("#") or (len(last) >= 3 and set(last) <= {"=", "-"} and len(block.splitlines()) > 1)


def key(block: str) -> str:
    return " ".join(block.split())  # OTA re-filters change list-marker spacing only; HTML does not show it


def trim(versions: list[list[str]]) -> list[list[str]]:
    stable = {key(b) for b in versions[0]}.intersection(*({key(b) for b in bs} for bs in versions[1:]))
    out = []
    for bs in versions:
        kept, context_given = [], False
        for b in bs:
            if is_heading(b):
                kept.append(b)
                context_given = False
            elif key(b) not in stable:
                kept.append(b)
            elif not context_given:
                kept.append(b)
                context_given = True
        out.append(kept)
    return out


def main(mirror: str, document: str, outdir: str, owner: str | None = None) -> None:
    out = Path(outdir)
    steps = tomllib.loads((out / "steps.toml").read_text("utf-8"))["step"]
    texts = [subprocess.run(["git", "-C", mirror, "show", f"{s['commit']}:{document}"], check=True,
                            capture_output=True, text=True).stdout for s in steps]
    md = MarkdownIt("commonmark")
    for n, (step, kept) in enumerate(zip(steps, trim([blocks(t) for t in texts]), strict=False), 1):
        body = md.render("\n\n".join(kept) + "\n")
        service = Path(document).parent.name
        page = PAGE.format(title=html.escape(Path(document).stem), service=html.escape(service),
                           owner=html.escape(owner or service), body=body)
        (out / f"{n:02d}-{step['commit'][:7]}.html").write_text(page, encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirror", help="bare git mirror of an OTA versions repository")
    parser.add_argument("document", help='path of the document in it, e.g. "Tumblr/Privacy Policy.md"')
    parser.add_argument("outdir", help="fixture directory holding steps.toml")
    parser.add_argument("--owner", help="who the footer's copyright line names (default: the service)")
    args = parser.parse_args()
    main(args.mirror, args.document, args.outdir, args.owner)
