"""Every class of config error: a clear message naming file, policy and key; exit 2; nothing written."""

from __future__ import annotations

import pytest

from tracker import config as config_mod
from tracker.errors import ConfigError

GOOD_POLICY = '[[policy]]\nname = "acme-privacy"\nurl = "https://acme.example/privacy"\n'


def load_text(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return config_mod.load(path)


def error_of(tmp_path, text: str) -> str:
    with pytest.raises(ConfigError) as err:
        load_text(tmp_path, text)
    message = str(err.value)
    assert str(tmp_path / "config.toml") in message  # every message names the file
    return message


def test_repository_example_config_is_valid():
    from pathlib import Path

    config = config_mod.load(Path(__file__).resolve().parent.parent / "config.toml")
    assert config.policy and all(p.url.startswith("http") for p in config.policy)


def test_defaults_and_relative_paths(tmp_path):
    config = load_text(tmp_path, GOOD_POLICY)
    assert config.database_path == tmp_path / "data" / "tracker.db"
    assert config.interval_of(config.policy[0]) == 86400
    assert config.notify.backend == "file"


@pytest.mark.parametrize("value, seconds", [("90s", 90), ("15m", 900), ("6h", 21600), ("1d", 86400), ("2w", 1209600)])
def test_intervals(value, seconds):
    assert config_mod.parse_interval(value) == seconds


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[tracker\ndatabase = 1", "not valid TOML"),
        ("[tracker]\ncolour = 'blue'\n", "key 'tracker.colour': unknown key"),
        ("[tracker]\ninterval = 'often'\n", "key 'tracker.interval': 'often' is not an interval"),
        ("[tracker]\nconcurrency = 0\n", "key 'tracker.concurrency'"),
        ("[notify]\nbackend = 'pigeon'\n", "key 'notify.backend'"),
        ("[notify]\nfrom = 'not-an-address'\n", "key 'notify.from': 'not-an-address' is not an email address"),
        ("[notify.smtp]\nport = 99999\n", "key 'notify.smtp.port'"),
        ('[[policy]]\nname = "Acme Privacy"\nurl = "https://a.example/"\n',
         "policy 'Acme Privacy', key 'name': 'Acme Privacy' is not a slug"),
        ('[[policy]]\nname = "acme"\nurl = "ftp://a.example/p"\n',
         "policy 'acme', key 'url': 'ftp://a.example/p' is not an http(s) URL"),
        ('[[policy]]\nname = "acme"\nurl = "file:///etc/passwd"\n', "policy 'acme', key 'url'"),
        ('[[policy]]\nname = "acme"\n', "policy 'acme', key 'url': required key is missing"),
        ('[[policy]]\nurl = "https://a.example/"\n', "policy #1, key 'name': required key is missing"),
        ('[[policy]]\nname = "acme"\nurl = "https://a.example/"\ninterval = "3 days"\n',
         "policy 'acme', key 'interval'"),
        ('[[policy]]\nname = "acme"\nurl = "https://a.example/"\nselect = ["div[["]\n', "policy 'acme', key 'select'"),
        ('[[policy]]\nname = "acme"\nurl = "https://a.example/"\nrecipients = ["legal"]\n', "key 'recipients'"),
        ('[[policy]]\nname = "acme"\nurl = "https://a.example/"\nsurprise = 1\n',
         "policy 'acme', key 'surprise': unknown key"),
        (GOOD_POLICY + GOOD_POLICY, "policy name 'acme-privacy' is used twice"),
    ],
)
def test_config_errors_name_the_key(tmp_path, text, expected):
    assert expected in error_of(tmp_path, text)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        config_mod.load(tmp_path / "absent.toml")


def test_cli_exits_2_on_bad_config_and_writes_nothing(ws):
    ws.config_path.write_text('[tracker]\ndatabase = "tracker.db"\n[[policy]]\nname = "x"\nurl = "gopher://x"\n')
    for args in (["check"], ["status"], ["history", "x"]):
        result = ws.cli(*args, expect=2)
        assert "key 'url'" in result.stderr
    assert not ws.db_path.exists()


def test_unknown_policy_name_exits_2(ws, server):
    ws.write_config([{"name": "known", "url": server.url("/p")}])
    result = ws.cli("history", "unknown", expect=2)
    assert "no policy named 'unknown'" in result.stderr and "known" in result.stderr


def test_init_writes_a_valid_starter_config_and_database(tmp_path):
    from click.testing import CliRunner

    from tracker.cli import cli

    path = tmp_path / "sub" / "config.toml"
    result = CliRunner().invoke(cli, ["--config", str(path), "init"])
    assert result.exit_code == 0, result.output
    config = config_mod.load(path)
    assert config.database_path.exists()
    again = CliRunner().invoke(cli, ["--config", str(path), "init"])
    assert "keeping it" in again.output


def test_materiality_extension_errors_name_the_key(tmp_path):
    message = error_of(tmp_path, '[materiality.lexicons.data_kind.voice]\nterms = ["voice*"]\ncategory = "nope"\n')
    assert "materiality" in message and "voice" in message


def test_materiality_extension_changes_a_verdict(ws, server):
    from tests.conftest import policy_page

    old = policy_page("Terms", "<h2>Vehicles</h2><p>We read the odometer of your car when you visit a dealer.</p>")
    new = old.replace("the odometer", "the odometer and the VIN")
    server.put("/t", old)
    ws.write_config([{"name": "t", "url": server.url("/t")}])
    with open(ws.config_path, "a") as fh:
        fh.write('\n[materiality.lexicons.data_kind."vehicle identifiers"]\nterms = ["vin"]\nsensitive = true\n')
    ws.cli("check")
    server.put("/t", new)
    ws.cli("check")
    [_, v2] = ws.json("history", "t")["versions"]
    assert v2["level"] == "material" and "vehicle identifiers" in v2["summary"]


def test_smtp_password_in_config_is_refused(tmp_path):
    message = error_of(tmp_path, '[notify.smtp]\nusername = "u"\npassword = "hunter2"\n')
    assert "key 'notify.smtp'" in message and "password_env" in message and "hunter2" not in message
