"""docs/config.md, the configuration reference, cannot go stale: every key of tracker/config.py has a
meaning, no meaning names a key that is gone, and the file is what scripts/config_doc.py writes."""

from __future__ import annotations

import runpy
from pathlib import Path

from tracker import configdoc

ROOT = Path(__file__).resolve().parent.parent


def test_every_key_has_a_meaning_and_every_meaning_a_key():
    keys = configdoc.keys()
    assert "tracker.per_host_delay" in keys and "notify.from" in keys and "policy.render" in keys
    assert sorted(set(keys) - set(configdoc.MEANINGS)) == [], "keys without a meaning in tracker/configdoc.py"
    assert sorted(set(configdoc.MEANINGS) - set(keys)) == [], "meanings of keys tracker/config.py no longer has"


def test_the_reference_file_is_current_and_linked_from_the_readme():
    runpy.run_path(str(ROOT / "scripts" / "config_doc.py"))  # importable; writes only when run as a script
    assert (ROOT / "docs" / "config.md").read_text(encoding="utf-8") == configdoc.reference(), \
        "docs/config.md is stale: run scripts/config_doc.py"
    assert "docs/config.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_reference_shows_types_defaults_and_bounds():
    text = configdoc.reference()
    assert "| `per_host_delay` | number (≥ 0, ≤ 600) | `1.0` |" in text
    assert '| `render` | "auto" \\| "http" \\| "browser" | `"auto"` |' in text
    assert "| `name` | string | required |" in text and "| `from` | string |" in text
