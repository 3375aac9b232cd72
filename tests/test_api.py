"""The Python API (docs/python.md): each command is a thin wrapper over it, so the API's `to_json()`
equals the command's `--format json`, and every command's JSON validates against the schema
generated from the typed values (docs/json-schema.json)."""

from __future__ import annotations

import ast
import json
import os
import re
import runpy
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

import tracker
from tests.conftest import DEMO, SEED, policy_page
from tracker import Level
from tracker.testing import Page

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "json-schema.json").read_text(encoding="utf-8"))
V1 = policy_page("Privacy Policy", "<h2>Sharing</h2><p>We do not sell your personal information.</p>"
                                   "<h2>Retention</h2><p>We keep logs for 30 days.</p>")
V2 = policy_page("Privacy Policy", "<h2>Sharing</h2><p>We may sell your personal information to brokers.</p>"
                                   "<h2>Retention</h2><p>We keep logs for 30 days.</p>")


def valid(command: str, data: object) -> object:
    """`data` checked against the schema of `command`'s --format json (raises if it does not fit)."""
    schema = {"$defs": SCHEMA["$defs"], **SCHEMA["commands"][command]}
    jsonschema.Draft202012Validator(schema, format_checker=None).validate(data)
    return data


def test_the_schema_file_is_generated_from_the_types():
    render = runpy.run_path(str(ROOT / "scripts" / "json_schema.py"))["render"]
    assert (ROOT / "docs" / "json-schema.json").read_text(encoding="utf-8") == render(), \
        "docs/json-schema.json is stale: run scripts/json_schema.py"
    with pytest.raises(jsonschema.ValidationError):  # the schema can fail: an unknown key, a bad level
        valid("history", {"policy": "a", "versions": [], "extra": 1})
    with pytest.raises(jsonschema.ValidationError):
        valid("compare", {"changed": False, "old": {"title": "", "digest": ""}, "new": {"title": "", "digest": ""},
                          "materiality": {"level": "severe", "categories": [], "reasons": []}, "sections": []})


def test_import_tracker_loads_names_on_first_use():
    code = ("import json, sys, tracker\n"
            "def loaded(): return sorted(m for m in sys.modules if m.split('.')[0] in "
            "('tracker', 'lxml', 'httpx', 'rich', 'pydantic', 'click', 'rapidfuzz', 'sqlite_utils'))\n"
            "before = loaded(); tracker.Level; tracker.TrackerError\n"
            "print(json.dumps([before, loaded()]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [["tracker"], ["tracker", "tracker.errors", "tracker.model"]]


def test_normalize_takes_html_bytes_a_path_and_equals_the_command(ws):
    from tracker.normalize import Options  # noqa: F401 — the submodule of the same name is imported...

    assert callable(tracker.normalize)  # ...and tracker.normalize is still the function
    html = SEED.read_text(encoding="utf-8")
    docs = [tracker.normalize(html), tracker.normalize(SEED.read_bytes()), tracker.normalize(SEED),
            tracker.normalize(str(SEED))]
    assert len({d.digest for d in docs}) == 1
    doc = docs[0]
    assert doc.title and doc.markdown.startswith("# ") and len(doc.sections) > 10
    s = doc.sections[3]
    assert (s.heading, s.level, s.path[-1]) == (s.heading, s.level, s.heading) and s.text
    assert doc.to_json() == valid("normalize", ws.json("normalize", str(SEED)))
    with pytest.raises(tracker.ExtractionError):
        tracker.normalize(html, select=["#nothing-like-this"])
    trimmed = tracker.normalize(html, remove=["h2 ~ *"])
    assert trimmed.digest != doc.digest and len(trimmed.markdown) < len(doc.markdown)
    with pytest.raises(tracker.UsageError):
        tracker.normalize(html, select=["p["])


def test_compare_equals_the_command_and_levels_are_ordered(ws):
    old, new = DEMO / "plex-privacy-policy-v2-cosmetic.html", DEMO / "plex-privacy-policy-v3-substantive.html"
    comparison = tracker.compare(old, new)
    assert comparison.changed and comparison.assessment.level is Level.MATERIAL
    assert comparison.to_json() == valid("compare", ws.json("compare", str(old), str(new)))
    same = tracker.compare(tracker.normalize(old), old)
    assert not same.changed and same.assessment.level is Level.NONE and same.sections == ()
    cosmetic = tracker.compare(DEMO / "plex-privacy-policy-2021-03-17.html", old)
    assert cosmetic.changed and cosmetic.assessment.level == "none"
    assert Level.NONE < Level.MINOR < Level.MATERIAL and sorted(Level, reverse=True)[0] is Level.MATERIAL
    assert "minor" < Level.MATERIAL and Level.MINOR >= "minor" and not Level.MINOR > "material"
    assert json.dumps([Level.MINOR]) == '["minor"]' and f"{Level.MATERIAL}" == "material"
    with pytest.raises(ValueError):
        Level.MINOR < "severe"  # noqa: B015


def test_tracker_methods_equal_the_commands_and_every_json_fits_its_schema(ws, server):
    url = server.put("/privacy", V1)
    gone = server.put("/gone", Page(b"gone", 404, {"Content-Type": "text/plain"}))
    ws.write_config([{"name": "acme", "url": url, "recipients": ["legal@example.org"], "cron": "0 6 * * *"},
                     {"name": "gone", "url": gone, "interval": "2h"}], notify={"admin": "ops@example.org"})
    with tracker.Tracker(ws.config_path) as t:
        run = t.check(["acme"])
        assert run.ok and run.results[0].outcome is tracker.Outcome.NEW_VERSION
        assert run.results[0].version.kind is tracker.ChangeKind.FIRST
        server.put("/privacy", V2)
        valid("check", ws.json("check", expect=1))  # gone fails: exit 1, and an error result
        run = t.check()
        assert not run.ok and [r.outcome for r in run.results] == ["not_modified", "error"]
        assert valid("check", run.to_json())["results"][1]["error"] == "HTTP 404 Not Found"

        assert t.history("acme").to_json() == valid("history", ws.json("history", "acme"))
        assert [v.level for v in t.history("acme").versions] == [None, Level.MATERIAL]
        assert t.show("acme", 1).to_json() == valid("show", ws.json("show", "acme", "--version", "1"))
        diff = t.diff("acme")
        assert diff.comparison.assessment.level is Level.MATERIAL
        assert diff.to_json() == valid("diff", ws.json("diff", "acme"))
        assert t.changelog("acme").to_json() == valid("changelog", ws.json("changelog", "acme"))
        assert t.outbox().to_json() == valid("notify list", ws.json("notify", "list"))
        assert len(t.outbox().messages) == 1
        status = t.status()
        assert status.to_json() == valid("status", ws.json("status"))
        acme, failing = status.policies
        last = datetime.fromisoformat(acme.last_check_at)
        assert datetime.fromisoformat(acme.next_due) == last.replace(hour=6, minute=0, second=0) + (
            (last.replace(hour=6, minute=0, second=0) <= last) * (datetime(2, 1, 2) - datetime(2, 1, 1)))
        assert failing.last_outcome is tracker.Outcome.ERROR and failing.consecutive_failures == 2
        validation = t.validate("acme")
        assert validation.ok and validation.would_store == "nothing: identical to version 2"
        assert validation.to_json() == valid("validate", ws.json("validate", "acme"))
        valid("reextract", t.reextract().to_json())
        assert t.reextract(["acme"]).to_json() == valid("reextract", ws.json("reextract", "acme"))
        with pytest.raises(tracker.ConfigError):
            t.history("nope")
        with pytest.raises(tracker.UsageError):
            t.diff("gone")


def test_next_due_is_one_rule_for_intervals_and_cron(ws):
    from tracker import config as config_mod
    from tracker.schedule import next_due

    config = config_mod.parse({"tracker": {"interval": "6h"}, "policy": [
        {"name": "a", "url": "https://a.example/p"}, {"name": "b", "url": "https://b.example/p", "interval": "15m"},
        {"name": "c", "url": "https://c.example/p", "cron": "30 6 * * *"}]})
    a, b, c = config.policy
    last = "2026-03-01T07:00:00+00:00"
    assert next_due(a, None, config) is None
    assert next_due(a, last, config) == datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    assert next_due(b, last, config) == datetime(2026, 3, 1, 7, 15, tzinfo=UTC)
    assert next_due(c, last, config) == datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    assert next_due(c, "2026-03-02T06:30:00+00:00", config) == datetime(2026, 3, 3, 6, 30, tzinfo=UTC)


def _imports(path: Path, package: str) -> set[str]:
    """Modules of `package` that a file imports anywhere (inside functions too), except under
    TYPE_CHECKING and except its own parent packages (imported first anyway)."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for child in node.body for n in ast.walk(child)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")[: len(module.split(".")) - node.level + is_package]
                base = ".".join(parts + ([node.module] if node.module else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
               for p in (ROOT / package).rglob("*.py")}
    parents = {".".join(module.split(".")[:k]) for k in range(1, module.count(".") + 1)}
    return {m for m in found if m in modules and m != module and m not in parents}


def test_the_import_graph_of_the_package_has_no_cycle():
    graph = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): _imports(p, "tracker")
             for p in (ROOT / "tracker").rglob("*.py")}
    graph.pop("tracker")  # the package's lazy attributes point into the API, nothing points back at it
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join([*stack, node, nxt])
            if nxt not in state:
                visit(nxt, [*stack, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert "tracker.cli" not in {m for deps in (graph["tracker.demo"], graph["tracker.api"]) for m in deps}


def test_commands_parse_call_and_print():
    """No SQL, no store and no exit in the command modules: they call the API and print."""
    for path in (ROOT / "tracker" / "cli").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in ("SELECT ", "INSERT ", ".store.", "Store(", "Checker(", "sys.exit"):
            if word == "sys.exit" and path.name == "__init__.py":
                continue
            assert word not in text, f"{path.name} uses {word!r}"


@pytest.mark.slow
def test_a_built_wheel_runs_the_demo_outside_the_checkout(tmp_path):
    """The wheel alone (no checkout, no data/ folder) runs `tracker demo` from another directory."""
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-q", "-w", str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "dist").glob("tracker-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "tracker/py.typed" in names and "tracker/rules/materiality.toml" in names
    assert sorted(n for n in names if n.startswith("tracker/demo_pages/")) == sorted(
        f"tracker/demo_pages/{p.name}" for p in DEMO.glob("*.html"))
    assert not any(n.startswith(("tests/", "data/", "bench/")) for n in names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "COLUMNS": "120"}
    where = subprocess.run([sys.executable, "-c", "import tracker.demo; print(tracker.demo.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(site))
    demo = subprocess.run([sys.executable, "-m", "tracker", "demo"], cwd=elsewhere, env=env, capture_output=True,
                          text=True, timeout=300)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr
    assert demo.stdout.count("$ tracker check") == 4 and "Subject: [tracker] Material change" in demo.stdout
    assert list(elsewhere.iterdir()) == []


def test_the_materiality_docs_example_is_a_working_config():
    import tomllib

    from tracker import config as config_mod

    text = (ROOT / "docs" / "materiality.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    rules = config_mod.parse(tomllib.loads(block)).rules
    old = "<h1>P</h1><p>We collect your email address to run the service.</p>"
    new = "<h1>P</h1><p>We collect your email address and your VIN to run the service.</p>"
    assert "vehicle data" not in str(tracker.compare(old, new).assessment.reasons)  # the shipped rules lack it
    judged = tracker.compare(old, new, rules=rules).assessment
    assert judged.level is Level.MATERIAL and "vehicle data" in judged.reasons[0].detail


def test_no_file_points_outside_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in tracked:
        path = ROOT / name
        if name == "tests/test_api.py":  # this test names what it looks for
            continue
        if path.suffix in {".py", ".md", ".toml", ".j2", ".service", ".txt"} or name.startswith(".ci/"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "/work/" not in text and "design.md" not in text, name
    for link in re.findall(r"\]\(([^)#]+)\)", "".join((ROOT / "docs" / f).read_text(encoding="utf-8")
                                                        for f in ("python.md", "cli.md", "json.md", "materiality.md"))):
        assert link.startswith("http") or (ROOT / "docs" / link).exists(), link


@pytest.mark.parametrize("cron,weekdays", [
    ("0 6 * * 1", {"Monday"}),              # the README's example: Mondays, as cron reads it
    ("0 6 * * 0", {"Sunday"}),
    ("0 6 * * 7", {"Sunday"}),
    ("0 6 * * 1-5", {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}),
    ("0 6 * * 5-7", {"Friday", "Saturday", "Sunday"}),
    ("0 6 * * */3", {"Sunday", "Wednesday", "Saturday"}),
    ("0 6 * * sat,1", {"Saturday", "Monday"}),
    ("0 6 * * mon-fri", {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}),
])
def test_cron_weekdays_are_read_as_cron_reads_them(cron, weekdays):
    """APScheduler numbers weekdays from Monday = 0; a crontab line numbers them from Sunday = 0."""
    from datetime import UTC, datetime

    from tracker.schedule import crontab_trigger

    trigger, fire, seen = crontab_trigger(cron), datetime(2026, 11, 30, 7, tzinfo=UTC), set()
    for _ in range(14):
        fire = trigger.get_next_fire_time(None, fire)
        assert fire.hour == 6 and fire.minute == 0
        seen.add(fire.strftime("%A"))
        fire = fire.replace(hour=7)
    assert seen == weekdays
