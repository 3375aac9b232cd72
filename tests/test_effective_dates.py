"""The policy's own date on every stored version: recorded at check time, filled by migration m007 for
versions stored before it, in history/show/diff/changelog JSON, beside the fetch date in `history`, and
matched by `--version DATE` (which says how it read the date)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from tests.conftest import DEMO
from tests.test_api import valid

V1 = (DEMO / "plex-privacy-policy-v1-noisy.html").read_bytes()  # Last Updated: March 17, 2021
V3 = (DEMO / "plex-privacy-policy-v3-substantive.html").read_bytes()  # Last Updated: June 1, 2022


def seed(ws, server):
    ws.write_config([{"name": "plex", "url": server.url("/privacy")}])
    server.put("/privacy", V1)
    ws.cli("check")
    server.put("/privacy", V3)
    ws.cli("check")


def test_every_version_carries_the_policys_own_date(ws, server):
    seed(ws, server)
    history = valid("history", ws.json("history", "plex"))
    assert [v["effective_date"] for v in history["versions"]] == ["2021-03-17", "2022-06-01"]
    assert valid("show", ws.json("show", "plex", "--version", "1"))["effective_date"] == "2021-03-17"
    diff = valid("diff", ws.json("diff", "plex"))
    assert diff["old_version"]["effective_date"] == "2021-03-17"
    assert diff["new_version"]["effective_date"] == "2022-06-01"
    changes = valid("changelog", ws.json("changelog", "plex"))["changes"]
    assert [c["effective_date"] for c in changes] == ["2022-06-01", "2021-03-17"]  # newest first
    text = ws.cli("history", "plex").stdout
    today = datetime.now(UTC).date().isoformat()
    row = next(line for line in text.splitlines() if "2022-06-01" in line)
    assert today in row  # fetched, and the policy's own date, side by side
    assert "policy's date" in text


def test_version_date_matches_the_policys_own_date_or_the_fetch_date_and_says_which(ws, server):
    seed(ws, server)
    result = ws.cli("show", "plex", "--version", "2022-06-01", "--format", "json")
    assert '"number": 2' in result.stdout
    assert "2022-06-01 is the policy's own date of version 2" in result.stderr
    today = datetime.now(UTC).date().isoformat()
    result = ws.cli("show", "plex", "--version", today, "--format", "json")
    assert '"number": 2' in result.stdout
    assert f"{today} matches no policy's own date: version 2, fetched {today}, was current then" in result.stderr
    result = ws.cli("diff", "plex", "2021-03-17", "2022-06-01", "--format", "json")
    assert "policy's own date of version 1" in result.stderr and "policy's own date of version 2" in result.stderr
    result = ws.cli("show", "plex", "--version", "2021-03-18", expect=2)
    assert "no version existed on 2021-03-18" in result.output and "states that date as its own" in result.output


def test_migration_m007_fills_versions_stored_before_it(ws, server):
    seed(ws, server)
    db = sqlite3.connect(ws.db_path)  # back to the database as the previous release left it
    db.execute("ALTER TABLE versions DROP COLUMN effective_date")
    deleted = db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_effective_dates'").rowcount
    db.commit()
    db.close()
    assert deleted == 1
    with ws.store() as store:  # opening it migrates
        assert [v.effective_date for v in store.versions("plex")] == ["2021-03-17", "2022-06-01"]
    assert [v["effective_date"] for v in ws.json("history", "plex")["versions"]] == ["2021-03-17", "2022-06-01"]
