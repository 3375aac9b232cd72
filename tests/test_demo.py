"""The demo, run as a user runs it: a subprocess, offline, to completion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_runs_to_completion_and_leaves_nothing(tmp_path):
    before = set(ROOT.joinpath("data").rglob("*"))
    proc = subprocess.run([sys.executable, "-m", "tracker", "demo"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "COLUMNS": "160"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert out.count("$ tracker check") == 4
    assert "history of plex-privacy" in out
    assert "unchanged" in out  # the noisy twin
    assert "first version: 25 sections" in out
    assert "Subject: [tracker] Material change to Plex Privacy Policy: " in out
    assert set(ROOT.joinpath("data").rglob("*")) == before
    assert list(tmp_path.iterdir()) == []


def test_demo_keep_leaves_a_workspace_a_user_can_explore(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tracker", "demo", "--keep", str(tmp_path / "ws")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([sys.executable, "-m", "tracker", "--config", str(tmp_path / "ws" / "config.toml"),
                           "history", "plex-privacy", "--format", "json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert '"number": 3' in proc.stdout
