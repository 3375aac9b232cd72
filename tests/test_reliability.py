"""Issue 17: outbox identity, a full disk, config values that failed late, CLI inputs, the daemon's
lock, its liveness in `status`, and CPU work kept off its event loop. Real subprocesses for the CLI
and the daemon, a real small tmpfs (or a file-size limit) for the full disk."""

from __future__ import annotations

import contextlib
import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Workspace, policy_page
from tests.test_daemon import V1, V2, DaemonProcess, wait_for
from tests.test_notify import SELLS, SELLS_NOT

ROOT = Path(__file__).resolve().parent.parent


def tracker(*args: str, config: Path | None = None, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    head = [sys.executable, "-m", "tracker"] + (["--config", str(config)] if config else [])
    return subprocess.run(head + list(args), capture_output=True, text=True, timeout=timeout,
                          cwd=kw.pop("cwd", None), check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}, **kw)


# --- 1: Message-IDs unique across installs; "delivered" proven by the message itself ------------

def material_change(ws, server, path: str) -> None:
    server.put(path, SELLS_NOT)
    ws.cli("check")
    server.put(path, SELLS)
    ws.cli("check")


def test_two_databases_sharing_an_outbox_each_get_their_message(tmp_path, server):
    outbox = tmp_path / "shared-outbox"
    spaces = []
    for name in ("one", "two"):
        ws = Workspace(tmp_path / name)
        ws.root.mkdir()
        ws.write_config([{"name": "acme", "url": server.url(f"/{name}"), "recipients": ["legal@example.org"]}],
                        notify={"outbox_dir": str(outbox)})
        spaces.append(ws)
    for ws, name in zip(spaces, ("one", "two"), strict=False):
        material_change(ws, server, f"/{name}")
        assert "1 sent" in ws.cli("notify", "flush").stdout
    ids = set()
    for eml in outbox.glob("*.eml"):
        ids.add(next(line for line in eml.read_text().splitlines() if line.startswith("Message-ID:")))
    assert len(ids) == 2  # row 1 of each database: two messages, two files, two IDs
    # a database rebuilt next to the old outbox folder: its first change is written too
    one = spaces[0]
    one.db_path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(one.db_path) + suffix).unlink(missing_ok=True)
    material_change(one, server, "/one")
    assert "1 sent" in one.cli("notify", "flush").stdout
    assert len(list(outbox.glob("*.eml"))) == 3


def test_a_file_with_the_same_name_but_another_message_is_not_proof_of_delivery(tmp_path):
    from tracker.emails import compose_test
    from tracker.mail import FileBackend

    backend = FileBackend(tmp_path)
    first = compose_test(sender="tracker@example.org", recipient="a@example.org", backend="file")
    second = compose_test(sender="tracker@example.org", recipient="a@example.org", backend="file")
    backend.send(first)
    target = backend.path_for(first)
    target.rename(backend.path_for(second))  # what a colliding name looks like
    assert not backend.already_delivered(second)
    backend.send(second)
    assert backend.already_delivered(second)
    assert str(second["Message-ID"]) in backend.path_for(second).read_text()


# --- 9: a full disk ------------------------------------------------------------------------------

def incompressible_page(words: int, seed: int) -> str:
    """Words that do not compress. Every version opens with the same 1,000 words (seed 1), so a
    bigger version is the same policy grown, not another page (which the identity guard refuses)."""

    def gibberish(count: int, rnd: random.Random) -> list[str]:
        return ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(3, 9)))
                for _ in range(count)]

    text = gibberish(min(words, 1000), random.Random(1)) + gibberish(max(0, words - 1000), random.Random(seed))
    return policy_page("Privacy Policy", f"<h2>Terms</h2><p>{' '.join(text)}</p>")


@contextlib.contextmanager
def small_disk(path: Path, size: str = "6m"):
    """A real tmpfs (as root); otherwise a file-size limit for the tracker processes (EFBIG)."""
    path.mkdir()
    if os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                                            check=False, capture_output=True).returncode == 0:
        try:
            yield "tmpfs"
        finally:
            subprocess.run(["umount", "-l", str(path)], check=False)
    else:
        yield "rlimit"


def fill(path: Path, leave: int) -> Path:
    """Take every free byte of the file system at `path` but `leave`."""
    filler = path / "filler"
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    with open(filler, "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


def test_a_full_disk_gives_one_clear_error_per_policy_and_the_next_run_recovers(tmp_path, server):
    disk = tmp_path / "disk"
    with small_disk(disk) as how:
        ws = Workspace(disk)
        server.put("/big", incompressible_page(1000, 1))
        server.put("/small", V1)
        ws.write_config([{"name": "big", "url": server.url("/big"), "recipients": ["legal@example.org"]},
                         {"name": "small", "url": server.url("/small")}])
        assert tracker("check", config=ws.config_path).returncode == 0
        server.put("/big", incompressible_page(60_000, 2))  # ~500 KB of text that does not compress
        limit = {}
        if how == "tmpfs":
            filler = fill(disk, leave=160_000)
        else:
            size = ws.db_path.stat().st_size + 100_000

            def limit_size():
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

            limit = {"preexec_fn": limit_size}
        out = tracker("check", "--format", "json", config=ws.config_path, **limit)
        assert out.returncode == 1, out.stderr
        assert "Traceback" not in out.stderr, out.stderr[-3000:]
        results = {r["policy"]: r for r in json.loads(out.stdout)["results"]}
        assert results["big"]["outcome"] == "error" and results["big"]["error_kind"] == "storage", results
        assert "full" in results["big"]["error"] or "I/O" in results["big"]["error"], results
        assert results["small"]["outcome"] in ("unchanged", "not_modified"), results
        text = tracker("check", config=ws.config_path, **limit)
        assert text.returncode == 1 and "Traceback" not in text.stderr
        assert text.stdout.count("storage") == 1  # one line for the one affected policy
        flush = tracker("notify", "flush", config=ws.config_path, **limit)
        assert flush.returncode in (0, 1) and "Traceback" not in flush.stderr
        if how == "tmpfs":
            filler.unlink()
        out = tracker("check", "--format", "json", config=ws.config_path)
        assert out.returncode == 0, out.stderr + out.stdout
        results = {r["policy"]: r for r in json.loads(out.stdout)["results"]}
        assert results["big"]["outcome"] == "new_version"
        script = ("import sqlite3,sys; "
                  "print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])")
        integrity = subprocess.run([sys.executable, "-c", script, str(ws.db_path)], check=False, capture_output=True,
                                   text=True)
        assert integrity.stdout.strip() == "ok"
        del ws


def test_a_completely_full_disk_still_answers_in_json(tmp_path, server):
    disk = tmp_path / "disk"
    with small_disk(disk, "2m") as how:
        if how != "tmpfs":  # the file-size limit cannot stop a new file being created: covered above
            return
        ws = Workspace(disk)
        server.put("/a", V1)
        ws.write_config([{"name": "a", "url": server.url("/a")}])
        filler = fill(disk, leave=0)
        out = tracker("check", "--format", "json", config=ws.config_path)
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr[-3000:]
        result = json.loads(out.stdout)["results"][0]
        assert result["error_kind"] == "storage"
        flush = tracker("notify", "flush", config=ws.config_path)
        assert flush.returncode == 1 and "Traceback" not in flush.stderr and "storage" in flush.stderr
        filler.unlink()
        out = tracker("check", config=ws.config_path)
        assert out.returncode == 0, out.stdout + out.stderr


# --- 10: config values that passed validation and failed later ---------------------------------

@pytest.mark.parametrize("policy, tracker_keys, key", [
    ({"url": "http://127.0.0.1:99999/p"}, {}, "url"),
    ({"url": "http://[::1/p"}, {}, "url"),
    ({"url": "http://example.org:abc/p"}, {}, "url"),
    ({"interval": "99999999999w"}, {}, "interval"),
    ({"interval": "0.001s"}, {}, "interval"),
    ({}, {"user_agent": "tracker café"}, "tracker.user_agent"),
    ({}, {"user_agent": "tracker\r\nX-Evil: 1"}, "tracker.user_agent"),
    ({}, {"interval": "99999999999w"}, "tracker.interval"),
    ({}, {"database": "."}, "tracker.database"),
])
def test_config_values_that_would_fail_later_are_refused_at_load(ws, server, policy, tracker_keys, key):
    ws.write_config([{"name": "acme", "url": server.url("/p"), **policy}], tracker=tracker_keys)
    result = ws.cli("check", expect=2)
    assert str(ws.config_path) in result.stderr and repr(key) in result.stderr, result.stderr
    if policy:
        assert "policy 'acme'" in result.stderr
    assert not any(ws.root.glob("*.db")) or tracker_keys.get("database") == "."


# --- 12: CLI inputs -------------------------------------------------------------------------------

def test_cli_inputs_fail_with_a_clear_message_and_the_right_code(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 40)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    good = tmp_path / "good.html"
    good.write_text(V1)
    cases = [
        (["normalize", str(tmp_path / "missing.html")], 2, "no such file"),
        (["normalize", str(empty)], 2, "empty"),
        (["compare", str(good), str(empty)], 2, "empty"),
        (["normalize", str(binary)], 1, "not a document"),
        (["normalize", "/dev/zero"], 2, "not a regular file"),
        (["normalize", str(fifo)], 2, "not a regular file"),
        (["compare", str(good), "http://127.0.0.1:99999/"], 2, "not a valid URL"),
        (["compare", str(good), str(tmp_path)], 2, "directory"),
    ]
    for args, code, message in cases:
        out = tracker(*args, config=tmp_path / "absent.toml", timeout=30)
        assert (out.returncode, "Traceback" in out.stderr) == (code, False), (args, out.stderr[-2000:])
        assert message in out.stderr, (args, out.stderr)


def test_notify_test_refuses_an_address_that_is_not_one(ws):
    ws.write_config([])
    out = tracker("notify", "test", "--to", "not-an-email", config=ws.config_path)
    assert out.returncode == 2 and "not an email address" in out.stderr, out.stderr
    assert not (ws.root / "outbox").exists() or not any((ws.root / "outbox").iterdir())


# --- 11 and 14: the daemon's lock and its liveness ----------------------------------------------

def start_daemon(ws, daemons) -> DaemonProcess:
    d = DaemonProcess(ws)
    daemons.append(d)
    assert wait_for(lambda: any(line.get("event") == "start" for line in d.lines()) or d.proc.poll() is not None)
    return d


def heartbeats(ws) -> list[dict]:
    with ws.store() as store:
        return store.daemons()


@pytest.mark.parametrize("link", ["symlink", "hardlink", "symlinked-folder"])
def test_a_second_daemon_through_another_path_to_the_same_database_is_refused(tmp_path, server, daemons, link):
    server.put("/a", V1)
    first = Workspace(tmp_path / "first")
    first.root.mkdir()
    first.write_config([{"name": "a", "url": server.url("/a"), "interval": "1h"}])
    first.cli("check")  # the database exists
    d1 = start_daemon(first, daemons)
    assert wait_for(lambda: len(heartbeats(first)) == 1)
    second = Workspace(tmp_path / "second")
    second.root.mkdir()
    if link == "symlink":
        (second.root / "tracker.db").symlink_to(first.db_path)
    elif link == "hardlink":
        os.link(first.db_path, second.root / "tracker.db")
    else:
        (second.root / "data").symlink_to(first.root, target_is_directory=True)
    db = "data/tracker.db" if link == "symlinked-folder" else "tracker.db"
    second.write_config([{"name": "a", "url": server.url("/a"), "interval": "1h"}], tracker={"database": db})
    d2 = DaemonProcess(second)
    daemons.append(d2)
    assert d2.proc.wait(timeout=30) == 1
    assert "already running" in d2.log.read_text()
    assert [h["pid"] for h in heartbeats(first)] == [d1.proc.pid]  # the first one's heartbeat is kept
    assert d1.proc.poll() is None
    assert d1.stop() == 0


def test_status_marks_a_killed_daemon_as_stale(ws, server, daemons):
    server.put("/a", V1)
    ws.write_config([{"name": "a", "url": server.url("/a"), "interval": "1h"}])
    d = start_daemon(ws, daemons)
    assert wait_for(lambda: len(heartbeats(ws)) == 1)
    live = tracker("status", "--format", "json", config=ws.config_path)
    assert json.loads(live.stdout)["daemons"][0]["stale"] is False
    d.proc.kill()
    d.proc.wait()
    out = tracker("status", "--format", "json", config=ws.config_path)
    row = json.loads(out.stdout)["daemons"][0]
    assert row["pid"] == d.proc.pid and row["stale"] is True and row["stale_reason"]
    text = tracker("status", config=ws.config_path).stdout
    assert "stale" in text and str(d.proc.pid) in text
    # a heartbeat from another host cannot be pid-checked: its age says it
    with ws.store() as store, store.write():
        store.db.execute("UPDATE daemon SET host = 'elsewhere', heartbeat_at = '2026-01-01T00:00:00+00:00'")
    row = json.loads(tracker("status", "--format", "json", config=ws.config_path).stdout)["daemons"][0]
    assert row["stale"] is True and "heartbeat" in row["stale_reason"]


# --- 4 (the daemon's half): CPU work off the event loop ------------------------------------------

def sections_page(n: int, variant: int) -> str:
    rnd = random.Random(7)
    words = ["data", "partner", "share", "retain", "process", "account", "cookie", "device", "service", "notice",
             "consent", "purpose", "record", "request", "law", "safety", "region", "transfer", "contract", "access"]
    parts = []
    for i in range(n):
        text = " ".join(rnd.choice(words) for _ in range(30))
        if variant:
            text = text.replace("data", "information", 1) + f" We may sell item {i} to advertisers."
        parts.append(f"<h2>Section {i} {rnd.choice(words)}</h2><p>{text}.</p>")
    return ("<html><head><title>Policy</title></head><body><main><h1>Privacy Policy</h1>" + "".join(parts) +
            "</main></body></html>")


def test_a_heavy_comparison_neither_starves_other_policies_nor_delays_sigterm(ws, server, daemons):
    """500 changed sections: a comparison of tens of seconds (before the compare-side bound). It runs
    in a worker process: another policy is checked meanwhile, and SIGTERM stops the daemon at once."""
    server.put("/big", sections_page(500, 0))
    server.put("/small", V1)
    ws.write_config([{"name": "big", "url": server.url("/big"), "interval": "2s"},
                     {"name": "small", "url": server.url("/small"), "interval": "2s"}])
    ws.cli("check")
    server.put("/big", sections_page(500, 1))
    server.put("/small", V2)
    time.sleep(2.1)  # both overdue: big is due first
    d = start_daemon(ws, daemons)
    assert wait_for(lambda: server.hits.get("/big", 0) >= 2)
    with ws.store() as store:
        small_checked = wait_for(lambda: len(store.versions("small")) == 2, timeout=20)
    assert small_checked, "the other policy waited for the heavy comparison"
    assert d.stop(timeout=30) == 0  # not after the comparison: the worker is stopped with the daemon
    assert any(line.get("event") == "stop" for line in d.lines())


def test_a_config_that_is_not_a_regular_file_is_refused(tmp_path):
    fifo = tmp_path / "config.fifo"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo), str(tmp_path)):
        out = tracker("status", config=Path(path), timeout=30)
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr[-2000:]
        assert path in out.stderr
