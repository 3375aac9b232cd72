"""Appending [[policy]] tables to config.toml (`tracker add`, `tracker import-ota --write`).

The file is edited by appending: every existing byte (comments, order, blank lines) stays as it
was. tomlkit writes the new tables (quoting, escapes) and reads the file first so a structure we
cannot append to is refused before anything is written. After writing, the config is loaded with
the same validation as every command; if it fails, the original file is put back.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tracker.errors import ConfigError

POLICY_KEYS = ("name", "title", "url", "select", "remove", "render", "combine", "interval", "recipients")


def policy_toml(policies: Sequence[Mapping[str, Any]], comments: Sequence[str] = ()) -> str:
    """[[policy]] tables as TOML text, keys in the documented order, empty values left out."""
    import tomlkit

    out = tomlkit.document()
    for line in comments:
        out.add(tomlkit.comment(line))
    tables = tomlkit.aot()
    for policy in policies:
        table = tomlkit.table()
        for key in (*POLICY_KEYS, *(k for k in policy if k not in POLICY_KEYS)):
            value = policy.get(key)
            if value not in (None, "", (), []):
                table.add(key, _item(value))
        tables.append(table)
    out.add("policy", tables)
    return tomlkit.dumps(out)


def _item(value: Any) -> Any:
    """Tables inside lists as inline tables (a range selector, a page of `combine`), one per line
    when they are pages: tomlkit would otherwise write them as [[policy.combine]] sections."""
    import tomlkit

    if isinstance(value, Mapping):
        table = tomlkit.inline_table()
        table.update({k: _item(v) for k, v in value.items() if v not in (None, "", (), [])})
        return table
    if isinstance(value, (list, tuple)):
        array = tomlkit.array()
        array.extend(_item(v) for v in value)
        if any(isinstance(v, Mapping) and "url" in v for v in value):
            array.multiline(True)
        return array
    return value


def append_policies(path: Path, policies: Sequence[Mapping[str, Any]], comments: Sequence[str] = ()) -> None:
    """Append policies to the config file; ConfigError, with the file unchanged, if the result does
    not load (a duplicate name, a bad value) or the file cannot take [[policy]] tables."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    from tracker import config as config_mod

    original = path.read_bytes()
    try:
        existing = tomlkit.parse(original.decode("utf-8"))
    except (TOMLKitError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if "policy" in existing and not isinstance(existing["policy"], tomlkit.items.AoT):
        raise ConfigError(f"{path}: key 'policy' is not a list of [[policy]] tables; cannot append to it")
    text = original.decode("utf-8")
    addition = policy_toml(policies, comments)
    _write(path, (text.rstrip("\n") + "\n\n" if text.strip() else "") + addition)
    try:
        config_mod.load(path)
    except ConfigError:
        _write(path, text)
        raise


def _write(path: Path, text: str) -> None:
    """Replace the file at once (a crash leaves the old or the new file, never half of one)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
