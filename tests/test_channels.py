"""Chat and webhook recipients (Apprise URLs) against a real HTTP receiver on 127.0.0.1: one POST per
material change, thresholds, retries, kill -9 between claim and send, secrets from the environment
and never shown."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.test_notify import SELLS, SELLS_NOT
from tests.webhook_server import Receiver
from tracker import channels, notify
from tracker import config as config_mod

MINOR = SELLS_NOT.replace("30 days", "14 days")  # favourable: minor


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def chat_config(ws, server, recipients, **notify_extra):
    ws.write_config([{"name": "acme", "title": "Acme Privacy", "url": server.url("/privacy"),
                      "recipients": recipients}],
                    notify={"retry_base": 0, "max_attempts": 3, **notify_extra})


def change_to(ws, server, first: str, then: str) -> None:
    server.put("/privacy", first)
    ws.cli("check")
    server.put("/privacy", then)
    ws.cli("check")


def test_one_post_per_material_change_with_verdict_reasons_and_link(ws, server, receiver):
    chat_config(ws, server, [receiver.url("/hook")], site_url="https://policies.example.org/watch/")
    change_to(ws, server, SELLS_NOT, SELLS)
    assert "1 sent" in ws.cli("notify", "flush").stdout
    ws.cli("notify", "flush")
    [post] = receiver.posts
    assert post["path"] == "/hook" and post["status"] == 200
    title, body = post["json"]["title"], post["json"]["message"]
    assert title == ("[tracker] Material change to Acme Privacy: no longer rules out: sell, sale; "
                     "new purpose: advertising; and 1 more")
    assert "version 1" in body and "version 2" in body and "material" in body
    lines = body.splitlines()
    assert lines[1:3] == ["- no longer rules out: sell, sale", "- new purpose: advertising"]
    assert lines[3].startswith("- new recipient: advertisers")
    assert body.endswith("https://policies.example.org/watch/acme/v2.html")  # the page `tracker export` writes
    assert len(title) + len(body) < 600
    [row] = ws.json("notify", "list", "--all")["messages"]
    assert row["state"] == "sent" and row["recipient"] == receiver.url("/hook")
    # a second material change: one more POST, never a repeat of the first
    server.put("/privacy", SELLS.replace("30 days", "ten years"))
    ws.cli("check")
    ws.cli("notify", "flush")
    assert len(receiver.answered("/hook")) == 2
    assert "run: tracker diff" not in receiver.posts[1]["json"]["message"]


def test_command_instead_of_link_without_site_url(ws, server, receiver):
    chat_config(ws, server, [receiver.url("/hook")])
    change_to(ws, server, SELLS_NOT, SELLS)
    ws.cli("notify", "flush")
    [post] = receiver.posts
    assert post["json"]["message"].endswith("run: tracker diff acme 1 2")


def test_thresholds_per_chat_recipient(ws, server, receiver):
    a, b = receiver.url("/a"), receiver.url("/b")
    chat_config(ws, server, [a, b], recipient_thresholds={b: "minor"})
    change_to(ws, server, SELLS_NOT, MINOR)
    assert [v["level"] for v in ws.json("history", "acme")["versions"]] == [None, "minor"]
    ws.cli("notify", "flush")
    assert [p["path"] for p in receiver.posts] == ["/b"]  # /a keeps the default threshold: material


def test_receiver_500_then_200_is_retried_and_delivered_once(ws, server, receiver):
    chat_config(ws, server, [receiver.url("/hook")])
    change_to(ws, server, SELLS_NOT, SELLS)
    receiver.statuses = [500]
    result = ws.cli("notify", "flush", expect=1)
    assert "1 to retry" in result.stdout
    [row] = ws.json("notify", "list")["messages"]
    assert row["state"] == "pending" and row["attempts"] == 1 and row["last_error"]
    ws.cli("notify", "flush")
    ws.cli("notify", "flush")
    assert [p["status"] for p in receiver.posts] == [500, 200]
    with ws.store() as store:
        outcomes = [a["outcome"] for a in store.rows("SELECT outcome FROM outbox_attempts ORDER BY id")]
    assert outcomes == ["retry", "sent"]


def test_receiver_down_gives_up_after_max_attempts(ws, server, receiver):
    chat_config(ws, server, [receiver.url("/hook")], max_attempts=2)
    change_to(ws, server, SELLS_NOT, SELLS)
    receiver.statuses = [503, 503, 503]
    ws.cli("notify", "flush", expect=1)
    assert "1 failed" in ws.cli("notify", "flush", expect=1).stdout
    ws.cli("notify", "flush")
    assert [p["status"] for p in receiver.posts] == [503, 503]
    assert ws.json("status")["failed_messages"][0]["attempts"] == 2


def test_kill_9_between_claim_and_send_still_one_post(ws, server, receiver, tmp_path):
    chat_config(ws, server, [receiver.url("/hook")])
    change_to(ws, server, SELLS_NOT, SELLS)
    marker = tmp_path / "claimed"
    # the child process stops where a crash hurts: the row is claimed (`sending`), nothing is sent
    child = (
        "import pathlib, sys, time\n"
        "from tracker import channels\n"
        "def stall(recipient, message):\n"
        f"    pathlib.Path({str(marker)!r}).write_text('claimed')\n"
        "    time.sleep(600)\n"
        "channels.send = stall\n"
        "from tracker.cli import main\n"
        f"sys.argv = ['tracker', '--config', {str(ws.config_path)!r}, 'notify', 'flush']\n"
        "main()\n")
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "the flush never claimed the row"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    assert receiver.posts == []
    [row] = ws.json("notify", "list")["messages"]
    assert row["state"] == "sending"
    assert "0 sent" in ws.cli("notify", "flush").stdout  # the claim is still leased: no one else sends
    assert receiver.posts == []
    cfg = config_mod.load(ws.config_path)
    with ws.store() as store:
        later = datetime.now(UTC) + notify.LEASE + timedelta(seconds=1)
        assert notify.drain(cfg, store, now=later).sent == 1
    ws.cli("notify", "flush")
    assert len(receiver.posts) == 1 and receiver.posts[0]["status"] == 200


SECRET_PW, SECRET_TOKEN = "pw-8d1f77c2e9", "tok-5a0b3c9e4f"


def test_env_placeholders_are_expanded_at_send_time_and_never_shown(ws, server, receiver, monkeypatch, caplog):
    monkeypatch.setenv("HOOK_PW", SECRET_PW)
    monkeypatch.setenv("HOOK_TOKEN", SECRET_TOKEN)
    port = receiver.server_address[1]
    url = f"json://bot:{{env:HOOK_PW}}@127.0.0.1:{port}/hook?+X-Token={{env:HOOK_TOKEN}}"
    chat_config(ws, server, [url], admin=url)
    change_to(ws, server, SELLS_NOT, SELLS)
    receiver.statuses = [500]
    seen = []
    with caplog.at_level(logging.DEBUG):
        seen.append(ws.cli("notify", "flush", expect=1).output)
        seen.append(ws.cli("notify", "list").output)
        seen.append(ws.cli("notify", "list", "--format", "json").output)
        seen.append(ws.cli("status").output)
        seen.append(ws.cli("notify", "flush").output)
        seen.append(ws.cli("notify", "list", "--all", "--format", "json").output)
    # what tracker logs (Apprise's own records never propagate to tracker's handlers)
    logged = [r.getMessage() for r in caplog.records if not r.name.startswith("apprise")]
    assert any(m.startswith("sent change to json://bot:{env:HOOK_PW}@") for m in logged), logged
    assert any("error=500" in m for m in logged), logged
    seen += logged
    with ws.store() as store:
        seen.append(json.dumps(store.rows("SELECT * FROM outbox")))
        seen.append(json.dumps(store.rows("SELECT * FROM outbox_attempts")))
    everything = "\n".join(seen)
    assert SECRET_PW not in everything and SECRET_TOKEN not in everything
    assert json.loads(seen[2])["messages"][0]["recipient"] == url  # what is shown names the variables
    # ...and the receiver got the real values, from the environment
    assert [p["status"] for p in receiver.posts] == [500, 200]
    assert receiver.posts[1]["headers"]["X-Token"] == SECRET_TOKEN
    assert receiver.posts[1]["headers"]["Authorization"].startswith("Basic ")


def test_config_errors_name_the_key_and_never_the_secret(ws, server, receiver, monkeypatch):
    monkeypatch.delenv("NO_SUCH_HOOK_VAR", raising=False)
    port = receiver.server_address[1]
    at_load = [  # every command refuses the config
        (f"json://bot:{SECRET_PW}@127.0.0.1:{port}/hook", "a password is written in the config file"),
        ("json://127.0.0.1/{env:lower case}", "is not a placeholder"),
        ("slack:/typo", "is not an email address, nor an Apprise URL"),
    ]
    where_sent = [  # Apprise's checks: commands that may send refuse the config, reading ones still work
        (f"json://127.0.0.1:{port}/{{env:NO_SUCH_HOOK_VAR}}", "environment variable NO_SUCH_HOOK_VAR is not set"),
        (f"jsons://127.0.0.1/hook?+Authorization=Bearer%20{SECRET_TOKEN}", "put it in an environment variable"),
        ("slack://T1JJ3T3L2/only-one-token", "Apprise cannot use this URL"),
        ("nosuchservice://host/x", "Apprise cannot use this URL"),
    ]
    for url, message in at_load + where_sent:
        chat_config(ws, server, [url])
        server.put("/privacy", SELLS_NOT)
        if (url, message) in at_load:
            out = ws.cli("status", expect=2).output
        else:
            ws.cli("status")
            out = ws.cli("check", expect=2).output
            assert ws.cli("daemon", expect=2).output == out
        assert f"{ws.config_path}: policy 'acme', key 'recipients': " in out, out
        assert message in out, (url, out)
        assert SECRET_PW not in out and SECRET_TOKEN not in out and "only-one-token" not in out, out
    assert not ws.db_path.exists() or ws.json("history", "acme")["versions"] == []  # nothing was checked
    chat_config(ws, server, ["legal@example.org"], admin=f"json://127.0.0.1:{port}/{{env:NO_SUCH_HOOK_VAR}}")
    out = ws.cli("check", expect=2).output
    assert "key 'notify.admin'" in out and "NO_SUCH_HOOK_VAR is not set" in out, out


def test_variable_gone_at_send_time_is_retried_with_its_name(ws, server, receiver, monkeypatch):
    monkeypatch.setenv("HOOK_PATH", "hook")
    chat_config(ws, server, [receiver.url("/{env:HOOK_PATH}")])
    change_to(ws, server, SELLS_NOT, SELLS)
    monkeypatch.delenv("HOOK_PATH")
    result = ws.cli("notify", "flush", expect=1)
    assert "1 to retry" in result.stdout and "environment variable HOOK_PATH is not set" in result.stderr
    monkeypatch.setenv("HOOK_PATH", "hook")
    ws.cli("notify", "flush")
    assert len(receiver.answered("/hook")) == 1


def test_notify_test_to_url(ws, receiver):
    ws.write_config([])
    out = ws.cli("notify", "test", "--to", receiver.url("/t")).stdout
    assert "delivered via Apprise (JSON)" in out and receiver.url("/t") in out
    [post] = receiver.posts
    assert post["path"] == "/t" and post["json"]["title"] == "[tracker] Test message"
    # a literal password typed on the command line works, and is not printed back
    out = ws.cli("notify", "test", "--to",
                 f"json://bot:{SECRET_PW}@127.0.0.1:{receiver.server_address[1]}/t").stdout
    assert SECRET_PW not in out and "bot:****@" in out
    assert len(receiver.posts) == 2
    receiver.statuses = [500]
    failed = ws.cli("notify", "test", "--to", f"json://bot:{SECRET_PW}@127.0.0.1:{receiver.server_address[1]}/t",
                    expect=None)
    assert failed.exit_code != 0 and SECRET_PW not in failed.output


def test_redact_masks_what_apprise_knows_to_be_secret():
    assert channels.redact("legal@example.org") == "legal@example.org"
    assert channels.redact("slack://{env:SLACK_HOOK}") == "slack://{env:SLACK_HOOK}"
    shown = channels.redact("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ")
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in shown and "A1BRTD4JD" not in shown and shown.startswith("slack://")
    assert channels.redact("ntfys://u:secretpw@ntfy.example.org/topic") == "ntfys://u:****@ntfy.example.org/topic"
    assert "abc123" not in channels.redact("json://h/p?+Authorization=Bearer%20abc123")
    assert channels.redact("nosuch://user:pw@host/deep/secret") == "nosuch://host/****"


def test_operator_alert_to_a_chat_admin(ws, server, receiver):
    ws.write_config([{"name": "acme", "title": "Acme Privacy", "url": server.url("/gone")}],
                    notify={"admin": receiver.url("/ops"), "alert_after": 1, "retry_base": 0})
    server.put("/gone", b"")  # an empty page: a failed check
    ws.cli("check", expect=None)
    ws.cli("notify", "flush")
    [post] = receiver.posts
    assert post["path"] == "/ops" and post["json"]["title"].startswith("[tracker] Failing: Acme Privacy")
    assert post["json"]["title"] == "[tracker] Failing: Acme Privacy — 1 check in a row"
    assert "Acme Privacy (acme) has failed 1 check in a row." in post["json"]["message"]
    assert "Last error: empty" in post["json"]["message"] and "-- " not in post["json"]["message"]



def test_digest_is_one_post_listing_each_change(ws, server, receiver):
    server.put("/a", SELLS_NOT)
    server.put("/b", SELLS_NOT.replace("Privacy Policy", "Cookie Policy"))
    hook = receiver.url("/hook")
    ws.write_config(
        [{"name": "a", "title": "Policy A", "url": server.url("/a"), "recipients": [hook]},
         {"name": "b", "title": "Policy B", "url": server.url("/b"), "recipients": [hook]}],
        notify={"digest": "run", "retry_base": 0})
    ws.cli("check")
    server.put("/a", SELLS)
    server.put("/b", SELLS.replace("Privacy Policy", "Cookie Policy"))
    ws.cli("check")
    assert "2 sent" in ws.cli("notify", "flush").stdout
    [post] = receiver.posts
    assert post["json"]["title"] == "[tracker] 2 policy changes (2 material): Policy A, Policy B"
    lines = post["json"]["message"].splitlines()
    assert [line.split(":")[0] for line in lines] == ["- Policy A", "- Policy B"]
    assert lines[0].endswith("run: tracker diff a 1 2") and lines[1].endswith("run: tracker diff b 1 2")


def test_redact_masks_literal_tokens_beside_placeholders():
    shown = channels.redact("slack://T1JJ3T3L2/A1BRTD4JD/{env:SLACK_C}")
    assert shown == "slack://****/****/{env:SLACK_C}"
