"""Write docs/json-schema.json from tracker/jsontypes.py (tests/test_api.py checks it is current).

    .venv/bin/python scripts/json_schema.py
"""

import json
from pathlib import Path

from tracker.jsontypes import json_schema

OUT = Path(__file__).resolve().parent.parent / "docs" / "json-schema.json"


def render() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
