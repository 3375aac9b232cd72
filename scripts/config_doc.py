"""Write docs/config.md from tracker/config.py and tracker/configdoc.py (tests/test_config_doc.py checks it
is current).

    .venv/bin/python scripts/config_doc.py
"""

from pathlib import Path

from tracker.configdoc import reference

OUT = Path(__file__).resolve().parent.parent / "docs" / "config.md"

if __name__ == "__main__":
    OUT.write_text(reference(), encoding="utf-8")
    print(f"wrote {OUT}")
