"""Notifications against a real SMTP server on loopback: content, retries, failures, crash between
send and mark, digests, operator alerts — and the file backend."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy

import pytest

from tests.conftest import policy_page
from tests.smtp_server import SmtpServer, self_signed, server_context
from tracker import config as config_mod
from tracker import notify
from tracker.mail import FileBackend, SmtpBackend
from tracker.testing import Page

SELLS_NOT = policy_page("Privacy Policy", "<h2>Sharing</h2><p>We do not sell your personal information to anyone.</p>"
                        "<h2>Retention</h2><p>We keep server logs for 30 days.</p>")
SELLS = policy_page("Privacy Policy", "<h2>Sharing</h2><p>We may sell your personal information to advertising "
                    "partners &lt;script&gt;alert(1)&lt;/script&gt;.</p>"
                    "<h2>Retention</h2><p>We keep server logs for 30 days.</p>")
TYPO = SELLS_NOT.replace("We keep server logs", "We keep  server logs").replace("30 days.", "30 days!")


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def smtp_config(ws, server, smtp, *, page_path="/privacy", title="Acme Privacy", notify_extra=None, **policy):
    ws.write_config(
        [{"name": "acme", "title": title, "url": server.url(page_path), "recipients": ["legal@example.org"], **policy}],
        notify={"backend": "smtp", "admin": "ops@example.org", "retry_base": 0, "max_attempts": 3,
                **(notify_extra or {})},
    )
    with open(ws.config_path, "a") as fh:
        fh.write(f'\n[notify.smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nstarttls = false\n')


def material_change(ws, server):
    server.put("/privacy", SELLS_NOT)
    ws.cli("check")
    server.put("/privacy", SELLS)
    ws.cli("check")


def parts(msg):
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_material_change_is_mailed_once_with_verdict_first(ws, server, smtp):
    smtp_config(ws, server, smtp)
    material_change(ws, server)
    assert [v["level"] for v in ws.json("history", "acme")["versions"]] == [None, "material"]
    assert "1 sent" in ws.cli("notify", "flush").stdout
    [msg] = smtp.messages
    assert msg["Subject"] == ("[tracker] Material change to Acme Privacy: no longer rules out: sell, sale; "
                              "new purpose: advertising; and 1 more")
    assert msg["To"] == "legal@example.org" and msg["Message-ID"]
    text, html = parts(msg)
    assert text.index("MATERIAL") < text.index("Sharing")  # verdict and reasons before the sections
    assert "was: We do not sell your personal information to anyone." in text
    assert "now: We may sell your personal information to advertising" in text
    assert not re.search(r"^#|\*\*|`|~~|\*[^*\s]", text, re.M), text  # no Markdown syntax
    assert "See the whole diff: tracker diff acme 1 2" in text and server.url("/privacy") in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<del" in html and "<ins" in html
    ws.cli("notify", "flush")
    assert len(smtp.messages) == 1  # never twice


def test_no_mail_for_first_version_or_below_threshold(ws, server, smtp):
    smtp_config(ws, server, smtp)
    server.put("/privacy", SELLS_NOT)
    ws.cli("check")
    server.put("/privacy", TYPO)
    ws.cli("check")
    assert ws.json("notify", "list", "--all")["messages"] == []
    ws.cli("notify", "flush")
    assert smtp.messages == []


def test_threshold_minor_per_recipient(ws, server, smtp):
    smtp_config(ws, server, smtp, notify_extra={"recipient_thresholds": {"cto@example.org": "minor"}})
    cfg = ws.config_path.read_text().replace('"legal@example.org"]', '"legal@example.org", "cto@example.org"]')
    ws.config_path.write_text(cfg)
    server.put("/privacy", SELLS_NOT)
    ws.cli("check")
    server.put("/privacy", SELLS_NOT.replace("30 days", "14 days"))  # favourable: minor
    ws.cli("check")
    rows = ws.json("notify", "list")["messages"]
    assert [r["recipient"] for r in rows] == ["cto@example.org"]


def test_header_injection_through_the_title_is_neutralised(ws, server, smtp):
    smtp_config(ws, server, smtp)
    material_change(ws, server)
    cfg = config_mod.load(ws.config_path)
    with ws.store() as store:
        entry = notify.change_entry(cfg, store, store.rows("SELECT id FROM changes WHERE kind='change'")[0]["id"])
    from dataclasses import replace

    from tracker.emails import compose_changes

    evil = replace(entry, title="Policy\r\nBcc: victim@example.org\r\nX-Evil: 1")
    msg = compose_changes([evil], sender="t@example.org", recipient="legal@example.org", msgid="<x@example.org>")
    raw = msg.as_bytes()
    parsed = message_from_bytes(raw, policy=email_policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert "Bcc: victim" in parsed["Subject"]  # kept as harmless text on one line


def test_server_down_then_up_is_retried_and_delivered_once(ws, server, smtp):
    smtp_config(ws, server, smtp)
    material_change(ws, server)
    smtp.stop()
    result = ws.cli("notify", "flush", expect=1)
    assert "1 to retry" in result.stdout
    [row] = ws.json("notify", "list")["messages"]
    assert row["state"] == "pending" and row["attempts"] == 1 and "SMTP" in row["last_error"]
    smtp.start()
    ws.cli("notify", "flush")
    ws.cli("notify", "flush")
    assert len(smtp.messages) == 1
    with ws.store() as store:
        attempts = store.rows("SELECT outcome FROM outbox_attempts ORDER BY id")
    assert [a["outcome"] for a in attempts] == ["retry", "sent"]


def test_4xx_is_retried_then_marked_failed_and_shown_in_status(ws, server, smtp):
    smtp_config(ws, server, smtp)
    material_change(ws, server)
    smtp.recorder.reply = "451 4.3.0 Try again later"
    for _ in range(3):
        ws.cli("notify", "flush", expect=1)
    [row] = ws.json("notify", "list")["messages"]
    assert row["state"] == "failed" and row["attempts"] == 3 and "451" in row["last_error"]
    status = ws.json("status")
    assert status["outbox"]["failed"] == 1
    assert "451" in ws.cli("status").stdout


def test_5xx_fails_at_once(ws, server, smtp):
    smtp_config(ws, server, smtp)
    material_change(ws, server)
    smtp.recorder.reply = "550 5.1.1 No such user"
    ws.cli("notify", "flush", expect=1)
    [row] = ws.json("notify", "list")["messages"]
    assert row["state"] == "failed" and row["attempts"] == 1 and "550" in row["last_error"]


def test_authentication_failure_and_success(ws, server, monkeypatch):
    smtp = SmtpServer(auth=("tracker", "s3cret")).start()
    try:
        smtp_config(ws, server, smtp)
        with open(ws.config_path, "a") as fh:
            fh.write('username = "tracker"\npassword_env = "TEST_SMTP_PASSWORD"\n')
        material_change(ws, server)
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
        ws.cli("notify", "flush", expect=1)
        [row] = ws.json("notify", "list")["messages"]
        assert "authentication failed" in row["last_error"] and row["state"] == "pending"
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
        ws.cli("notify", "flush")
        assert len(smtp.messages) == 1
    finally:
        smtp.stop()


def test_starttls_verifies_certificates(ws, server, tmp_path, monkeypatch):
    cert, key = self_signed(tmp_path)
    smtp = SmtpServer(tls_context=server_context(cert, key)).start()
    try:
        smtp_config(ws, server, smtp)
        cfg = ws.config_path.read_text().replace('host = "127.0.0.1"', 'host = "localhost"').replace(
            "starttls = false", "starttls = true")
        ws.config_path.write_text(cfg)
        material_change(ws, server)
        ws.cli("notify", "flush", expect=1)  # self-signed: refused, TLS verification is on
        assert "CERTIFICATE_VERIFY_FAILED" in ws.json("notify", "list")["messages"][0]["last_error"]
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the operator trusts this certificate
        ws.cli("notify", "flush")
        assert len(smtp.messages) == 1
    finally:
        smtp.stop()


def test_implicit_tls(ws, server, tmp_path, monkeypatch):
    cert, key = self_signed(tmp_path)
    smtp = SmtpServer(tls_context=server_context(cert, key), implicit_tls=True).start()
    try:
        smtp_config(ws, server, smtp)
        cfg = ws.config_path.read_text().replace('host = "127.0.0.1"', 'host = "localhost"').replace(
            "starttls = false", "starttls = false\ntls = true")
        ws.config_path.write_text(cfg)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        material_change(ws, server)
        ws.cli("notify", "flush")
        assert len(smtp.messages) == 1
    finally:
        smtp.stop()


class Crash(BaseException):
    pass


def crash_after_delivery(monkeypatch):
    """The process dies after the backend accepted the message and before the row is marked."""
    from tracker.store import Store

    real_finish = Store.finish

    def finish(self, ids, outcome, **kw):
        if outcome == "sent":
            raise Crash()
        return real_finish(self, ids, outcome, **kw)

    monkeypatch.setattr(Store, "finish", finish)


def test_crash_between_send_and_mark_file_backend_exactly_once(ws, server, monkeypatch):
    server.put("/privacy", SELLS_NOT)
    ws.write_config([{"name": "acme", "url": server.url("/privacy"), "recipients": ["legal@example.org"]}])
    ws.cli("check")
    server.put("/privacy", SELLS)
    ws.cli("check")
    cfg = config_mod.load(ws.config_path)
    with monkeypatch.context() as m:
        crash_after_delivery(m)
        with ws.store() as store, pytest.raises(Crash):
            notify.drain(cfg, store)
    outbox = ws.root / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 1
    with ws.store() as store:
        assert store.outbox()[0]["state"] == "sending"
        later = datetime.now(UTC) + notify.LEASE + timedelta(seconds=1)
        report = notify.drain(cfg, store, now=later)  # the restarted process takes the stale claim
        assert report.sent == 1
        assert store.outbox(("sent",))[0]["state"] == "sent"
        outcomes = [r["outcome"] for r in store.rows("SELECT outcome FROM outbox_attempts")]
    assert outcomes == ["already_delivered"]
    assert len(list(outbox.glob("*.eml"))) == 1


def test_crash_between_send_and_mark_smtp_resends_same_message_id(ws, server, smtp, monkeypatch):
    smtp_config(ws, server, smtp)
    material_change(ws, server)
    cfg = config_mod.load(ws.config_path)
    with monkeypatch.context() as m:
        crash_after_delivery(m)
        with ws.store() as store, pytest.raises(Crash):
            notify.drain(cfg, store)
    with ws.store() as store:
        assert notify.drain(cfg, store).sent == 0  # the claim is still held: no resend yet
        later = datetime.now(UTC) + notify.LEASE + timedelta(seconds=1)
        assert notify.drain(cfg, store, now=later).sent == 1
    assert len(smtp.messages) == 2  # the documented at-least-once window
    assert smtp.messages[0]["Message-ID"] == smtp.messages[1]["Message-ID"]


def test_digest_mode_one_message_per_recipient_per_run(ws, server, smtp):
    server.put("/a", SELLS_NOT)
    server.put("/b", SELLS_NOT.replace("Privacy Policy", "Cookie Policy"))
    ws.write_config(
        [{"name": "a", "title": "Policy A", "url": server.url("/a"), "recipients": ["legal@example.org"]},
         {"name": "b", "title": "Policy B", "url": server.url("/b"), "recipients": ["legal@example.org"]}],
        notify={"backend": "smtp", "digest": "run", "retry_base": 0},
    )
    with open(ws.config_path, "a") as fh:
        fh.write(f'\n[notify.smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nstarttls = false\n')
    ws.cli("check")
    server.put("/a", SELLS)
    server.put("/b", SELLS.replace("Privacy Policy", "Cookie Policy"))
    ws.cli("check")
    assert "2 sent" in ws.cli("notify", "flush").stdout
    [msg] = smtp.messages
    assert msg["Subject"] == "[tracker] 2 policy changes (2 material): Policy A, Policy B"
    text, _ = parts(msg)
    assert "Policy A" in text and "Policy B" in text


def test_daily_digest_waits_for_the_next_day(ws, server):
    server.put("/privacy", SELLS_NOT)
    ws.write_config([{"name": "acme", "url": server.url("/privacy"), "recipients": ["legal@example.org"]}],
                    notify={"digest": "day"})
    ws.cli("check")
    server.put("/privacy", SELLS)
    ws.cli("check")
    assert "0 sent" in ws.cli("notify", "flush").stdout
    cfg = config_mod.load(ws.config_path)
    with ws.store() as store:
        tomorrow = datetime.now(UTC) + timedelta(days=1, minutes=1)
        assert notify.drain(cfg, store, now=tomorrow).sent == 1


def test_operator_alert_once_and_recovery_once(ws, server, smtp):
    smtp_config(ws, server, smtp)
    server.put("/privacy", SELLS_NOT)
    ws.cli("check")
    server.put("/privacy", Page(b"down", 500, {"Content-Type": "text/plain"}))
    for _ in range(5):
        ws.cli("check", expect=1)
    ws.cli("notify", "flush")
    [alert] = smtp.messages
    assert alert["To"] == "ops@example.org" and alert["Subject"].startswith("[tracker] Failing: Acme Privacy")
    assert "HTTP 500" in alert.get_content()
    server.put("/privacy", SELLS_NOT)
    ws.cli("check")
    ws.cli("check")
    ws.cli("notify", "flush")
    assert [m["Subject"] for m in smtp.messages][1:] == ["[tracker] Recovered: Acme Privacy"]
    assert "5 failed checks" in smtp.messages[1].get_content()


def test_notify_test_command_file_and_smtp(ws, server, smtp):
    ws.write_config([], notify={"admin": "ops@example.org"})
    out = ws.cli("notify", "test").stdout
    assert "delivered to" in out
    [eml] = list((ws.root / "outbox").glob("*.eml"))
    assert "Test message" in eml.read_text()
    smtp_config(ws, server, smtp)
    ws.cli("notify", "test", "--to", "someone@example.org")
    assert smtp.messages[0]["To"] == "someone@example.org"


def test_missing_password_env_is_a_clear_error(ws, server, smtp, monkeypatch):
    smtp_config(ws, server, smtp)
    with open(ws.config_path, "a") as fh:
        fh.write('username = "tracker"\npassword_env = "NOT_SET_ANYWHERE"\n')
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    result = ws.cli("notify", "test", "--to", "x@example.org", expect=1)
    assert "NOT_SET_ANYWHERE" in result.stderr


def test_file_backend_writes_eml_with_both_parts(ws, server):
    server.put("/privacy", SELLS_NOT)
    ws.write_config([{"name": "acme", "url": server.url("/privacy"), "recipients": ["legal@example.org"]}])
    ws.cli("check")
    server.put("/privacy", SELLS)
    ws.cli("check")
    ws.cli("notify", "flush")
    [eml] = list((ws.root / "outbox").glob("*.eml"))
    msg = message_from_bytes(eml.read_bytes(), policy=email_policy.default)
    text, html = parts(msg)
    assert "MATERIAL" in text and "&lt;script&gt;" in html
    assert isinstance(FileBackend(ws.root), FileBackend) and SmtpBackend  # both backends importable


def test_flush_says_what_waits_until_when_and_now_sends_it(ws, server, smtp):
    smtp_config(ws, server, smtp, notify_extra={"retry_base": 3600})
    material_change(ws, server)
    smtp.stop()
    ws.cli("notify", "flush", expect=1)
    smtp.start()
    [row] = ws.json("notify", "list")["messages"]
    out = ws.cli("notify", "flush").stdout
    assert "0 sent, 0 to retry, 0 failed" in out
    assert "1 message waiting:" in out and "legal@example.org" in out
    assert f"until {row['next_attempt_at'][:16].replace('T', ' ')} UTC (retry after 1 failed attempt)" in out
    assert "`tracker notify flush --now` sends them now" in out
    assert smtp.messages == []
    out = ws.cli("notify", "flush", "--now").stdout
    assert "1 sent" in out and "waiting" not in out
    assert len(smtp.messages) == 1


def test_site_url_links_the_version_page_and_long_subjects_are_capped(ws, server, smtp):
    long_title = "Acme " + "Very Long Privacy Policy Title " * 10
    smtp_config(ws, server, smtp, title=long_title, notify_extra={"site_url": "https://policies.example.org/acme-site/"})
    material_change(ws, server)
    ws.cli("notify", "flush")
    [msg] = smtp.messages
    subject = " ".join(msg["Subject"].split())  # as sent; unfolding a long encoded header may add a space
    assert len(subject) <= 150 and subject.endswith("…") and subject.startswith("[tracker] Material change to Acme")
    text, html = parts(msg)
    assert "Read the change: https://policies.example.org/acme-site/acme/v2.html" in text
    assert "tracker diff acme" not in text
    assert '<a href="https://policies.example.org/acme-site/acme/v2.html"' in html


def test_site_url_must_be_an_absolute_http_url(ws):
    ws.write_config([], notify={"site_url": "policies.example.org"})
    out = ws.cli("status", expect=2).output
    assert "key 'notify.site_url'" in out and "not an absolute http(s) URL" in out
