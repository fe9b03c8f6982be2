"""The outlets file: the real config loads; bad ones fail naming the outlet and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from core.catalogue.outlets import OutletsConfigError, load_outlets, parse_outlets
from core.settings import CONFIG_DIR
from raqib.cli import app

DEFAULT_OUTLETS_FILE = CONFIG_DIR / "outlets.yaml"

GOOD = {
    "name": "elnashra",
    "display_name": "النشرة",
    "domains": ["elnashra.com", "www.elnashra.com"],
    "feeds": ["https://www.elnashra.com/rss"],
    "sitemaps": [],
    "sections": [],
    "article_url_pattern": r"/news/show/\d+",
    "timezone": "Asia/Beirut",
    "language": "ar",
    "selectors": {},
}


def _error(**changes: object) -> str:
    outlet = {**GOOD, **changes}
    with pytest.raises(OutletsConfigError) as info:
        parse_outlets({"outlets": [GOOD | {"name": "ok"}, outlet]}, "test.yaml")
    return str(info.value)


def test_real_outlets_file_is_valid() -> None:
    outlets = load_outlets(DEFAULT_OUTLETS_FILE)
    assert outlets[0].name == "elnashra" and outlets[0].display_name == "النشرة"
    assert len(outlets) >= 9
    for outlet in outlets:
        assert outlet.feeds or outlet.sitemaps or outlet.sections
        assert outlet.tz.key == outlet.timezone


def test_outlet_selection_and_unknown_name() -> None:
    assert [o.name for o in load_outlets(DEFAULT_OUTLETS_FILE, ["bbc_arabic", "elnashra"])] == [
        "bbc_arabic",
        "elnashra",
    ]
    with pytest.raises(OutletsConfigError, match="unknown outlet.*nosuch"):
        load_outlets(DEFAULT_OUTLETS_FILE, ["nosuch"])


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"timezone": "Asia/Nowhere"}, "timezone", "unknown time zone"),
        ({"article_url_pattern": "/news/(\\d+"}, "article_url_pattern", "bad regular expression"),
        ({"feeds": ["elnashra.com/rss"]}, "feeds.0", "not an absolute http(s) URL"),
        ({"sections": ["ftp://elnashra.com/"]}, "sections.0", "not an absolute http(s) URL"),
        ({"domains": ["bad domain"]}, "domains.0", "not a host name"),
        ({"name": "El Nashra"}, "name", "should match pattern"),
        ({"colour": "red"}, "colour", "unknown key (allowed: name, display_name"),
        ({"selectors": {"title": "h1"}, "feeds": []}, "(outlet)", "at least one of feeds"),
        ({"selectors": {"headline": "h1"}}, "selectors.headline", "Extra inputs"),
        ({"selectors": {"body": "div[["}}, "selectors.body", "bad CSS selector"),
    ],
)
def test_validation_names_outlet_and_field(changes: dict, field: str, message: str) -> None:
    text = _error(**changes)
    name = changes.get("name", GOOD["name"])
    where = f"outlet {name!r}: {field}: " if field != "(outlet)" else f"outlet {name!r}: "
    assert where in text
    assert message in text
    assert text.startswith("test.yaml: ")


def test_missing_field_and_duplicate_names() -> None:
    broken = {k: v for k, v in GOOD.items() if k != "timezone"}
    with pytest.raises(
        OutletsConfigError, match=r"outlet 'elnashra': timezone: Field required"
    ):
        parse_outlets({"outlets": [broken]})
    with pytest.raises(OutletsConfigError, match="duplicate outlet name"):
        parse_outlets({"outlets": [GOOD, GOOD]})


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(OutletsConfigError, match="cannot read"):
        load_outlets(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("outlets: [\n", encoding="utf-8")
    with pytest.raises(OutletsConfigError, match="not valid YAML"):
        load_outlets(bad)


def test_cli_rejects_bad_config_with_message(tmp_path: Path) -> None:
    bad = tmp_path / "outlets.yaml"
    outlet = GOOD | {"timezone": "Mars/Olympus", "feeds": ["not-a-url"]}
    bad.write_text(yaml.safe_dump({"outlets": [outlet]}, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(app, ["crawl", "--outlets", str(bad)])
    assert result.exit_code == 2
    assert "outlet 'elnashra': timezone: unknown time zone 'Mars/Olympus'" in result.output
    assert "outlet 'elnashra': feeds.0: not an absolute http(s) URL" in result.output
