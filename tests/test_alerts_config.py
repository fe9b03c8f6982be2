"""config/alerts.yaml: the contract format, defaults, and errors that name the alert and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalogue.alerts import AlertsConfigError, load_alerts, parse_alerts
from core.settings import CONFIG_DIR

DEFAULT_ALERTS_FILE = CONFIG_DIR / "alerts.yaml"

CONTRACT = """
alerts:
  - name: coalition-watch
    query: "التحالف الدولي"        # optional, same syntax as raqib search
    topics: [coalition]             # optional filters
    outlets: []
    places: []
    recipients: [analyst@example.org]
    language: ar                    # language of the digest's labels, default ar
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(AlertsConfigError) as info:
        load_alerts(write(tmp_path, text))
    return str(info.value)


def test_contract_example_parses(tmp_path: Path) -> None:
    (alert,) = load_alerts(write(tmp_path, CONTRACT))
    assert alert.name == "coalition-watch"
    assert alert.query == "التحالف الدولي"
    assert alert.topics == ["coalition"] and alert.outlets == [] and alert.places == []
    assert alert.recipients == ["analyst@example.org"]
    assert alert.language == "ar" and alert.max_stories == 20 and alert.send_empty is False


def test_optional_fields_default(tmp_path: Path) -> None:
    (alert,) = load_alerts(write(tmp_path, "alerts:\n  - name: a\n    recipients: [a@b.org]\n"))
    assert (alert.query, alert.topics, alert.language) == ("", [], "ar")


def test_project_alerts_file_is_valid() -> None:
    alerts = load_alerts(DEFAULT_ALERTS_FILE)
    assert alerts and len({a.name for a in alerts}) == len(alerts)


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("    recipients: [analyst@example.org, not-an-address]\n",
         ["alert 'watch': recipients.1: ", "not a valid e-mail address",
          "not-an-address"]),
        ("    recipients: [analyst@example.org]\n    colour: red\n",
         ["alert 'watch': colour: unknown key (allowed: name, query"]),
        ("    recipients: [analyst@example.org]\n    language: fr\n",
         ["alert 'watch': language: ", "'ar' or 'en'"]),
        ("    recipients: []\n", ["alert 'watch': recipients: ", "at least 1"]),
        ("    topics: coalition\n    recipients: [a@example.org]\n",
         ["alert 'watch': topics: ", "list"]),
        ("    recipients: [a@example.org]\n    max_stories: 0\n",
         ["alert 'watch': max_stories: "]),
        ("    recipients: [\"a@example.org\\r\\nBcc: x@evil.example\"]\n",
         ["alert 'watch': recipients.0: ", "not a valid e-mail address"]),
        ("    recipients: [a@example.org, A@example.org]\n",
         ["alert 'watch': recipients: ", "listed twice"]),
    ],
)
def test_errors_name_alert_and_field(tmp_path: Path, snippet: str, expected: list[str]) -> None:
    message = error_of(tmp_path, "alerts:\n  - name: watch\n" + snippet)
    assert str(tmp_path / "alerts.yaml") in message
    for part in expected:
        assert part in message


def test_alert_without_name_is_named_by_position(tmp_path: Path) -> None:
    message = error_of(tmp_path, "alerts:\n  - name: ok\n    recipients: [a@example.org]\n"
                                 "  - recipients: [a@example.org]\n")
    assert "alert #2: name: Field required" in message


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    message = error_of(tmp_path, "alerts:\n  - name: one\n    recipients: [bad]\n"
                                 "  - name: two\n    recipients: [a@example.org]\n    extra: 1\n")
    assert "alert 'one': recipients.0: " in message
    assert "alert 'two': extra: unknown key" in message
    assert len(message.splitlines()) == 2  # one line per problem


def test_unknown_top_level_key_and_duplicate_names(tmp_path: Path) -> None:
    assert "alert: unknown key (allowed: alerts)" in error_of(tmp_path, "alert: []\n")
    message = error_of(tmp_path, "alerts:\n  - name: a\n    recipients: [a@example.org]\n"
                                 "  - name: a\n    recipients: [b@example.org]\n")
    assert "alert 'a': name used twice" in message


def test_name_with_line_break_is_rejected() -> None:
    with pytest.raises(AlertsConfigError, match="name: must be one line"):
        parse_alerts({"alerts": [{"name": "a\r\nBcc: x@evil.example",
                                  "recipients": ["a@example.org"]}]})


def test_not_yaml_and_not_a_mapping_and_missing_file(tmp_path: Path) -> None:
    message = error_of(tmp_path, "alerts:\n  - name: [unclosed\n")
    assert "not valid YAML at line" in message
    assert "expected a mapping" in error_of(tmp_path, "- just\n- a list\n")
    with pytest.raises(AlertsConfigError, match="cannot read the file"):
        load_alerts(tmp_path / "missing.yaml")


def test_empty_file_means_no_alerts(tmp_path: Path) -> None:
    assert load_alerts(write(tmp_path, "# nothing yet\n")) == []
    assert load_alerts(write(tmp_path, "alerts:\n")) == []
