"""`raqib demo`: the whole pipeline on the replay site, twice (the second run adds nothing)."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from raqib.cli import app

runner = CliRunner()


def test_demo_runs_every_stage_and_is_idempotent(tmp_path: Path, es_url: str, fresh_state,
                                                 monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RAQIB_HOME", str(tmp_path))  # RAQIB_ES_URL: the test node
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "12 new article(s)" in first.output
    assert "12 new document(s) indexed" in first.output
    assert "Searching داعش: 11 article(s)" in first.output
    emails = sorted((tmp_path / "outbox").glob("*.eml"))
    assert emails, first.output
    message = email.message_from_bytes(emails[0].read_bytes(), policy=policy.default)
    html = message.get_body(("html",)).get_content()
    assert 'dir="rtl"' in html

    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0, second.output
    assert "0 new article(s)" in second.output and "0 new document(s)" in second.output
    assert sorted((tmp_path / "outbox").glob("*.eml")) == emails  # nothing sent twice
