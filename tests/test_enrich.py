"""The enrichment entry point and `raqib enrich` on files and pipes with bad lines."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from processing.dedup import InMemory
from processing.enrich import fewer_collections
from tests.helpers import enricher

# the console script installed beside the interpreter that runs the tests (venv not activated)
RAQIB = str(Path(sys.executable).with_name("raqib"))


def article(rid: str, body: str, title: str = "تدمر") -> dict:
    return {"id": rid, "url": f"https://example.org/{rid}", "outlet": "elnashra",
            "title": title, "lead": None, "body": body, "keywords": []}


def test_records_get_every_processing_field(sample_text: str) -> None:
    source = article("a", sample_text)
    out = enricher().enrich_one(source)
    assert "language" not in source  # input untouched
    assert out["body"] == sample_text and out["title"] == "تدمر"  # displayed text unchanged
    assert out["language"] == "ar" and out["language_confidence"] > 0.9
    assert {"coalition", "isis", "partition", "kurds", "us_policy"} <= {
        t["id"] for t in out["topics"]}
    for topic in out["topics"]:
        assert set(topic) == {"id", "label_ar", "label_en", "score", "evidence", "in_title",
                              "in_lead", "mentions", "sentences", "paragraphs", "cues"}
    assert {"palmyra", "ramadi", "kobani", "mosul", "deir-ez-zor", "anbar", "homs"} <= {
        p["id"] for p in out["places"]}
    for place in out["places"]:
        assert set(place) == {"id", "name_ar", "name_en", "country", "lat", "lon"}
    assert len(out["fingerprint"]) == 40
    assert out["duplicate_of"] is None and out["story_id"] == "a"
    json.dumps(out, ensure_ascii=False)  # JSON-serialisable


@pytest.mark.parametrize("title, lead, body", [
    ("تدمر", None, "دبي، الإمارات العربية المتحدة (CNN)— سيطر تنظيم داعش. على المدينة؟ نعم"),
    ("سطر\nثان", "مقدمة أولى\n\n  \nمقدمة ثانية", "واس- الرياض: خبر.\nفقرة ﷺ وﻻ ١٢٣"),
    (" ", "", "عين اليوم – عدن\nنص"),
    ("—", "\u064b", "Hello. World! ؟ yes\n"),
])
def test_indexing_gets_the_search_forms_enrichment_made(title, lead, body) -> None:
    from indexing.bulk import to_document
    from processing import normalize

    record = {**article("a", body, title), "lead": lead, "published_at": "2015-05-21T10:00:00Z"}
    fresh = {f: normalize.normalize_for_search(record[f]) if record[f] is not None else None
             for f in ("title", "lead", "body")}
    normalize._KNOWN_FORMS.clear()
    enriched = enricher().enrich_one(record)
    noted = {text for text in normalize._KNOWN_FORMS}
    assert {t for t in (title, lead, body) if t} <= noted  # handed over, not recomputed
    source = to_document(enriched)[2]
    assert {f: source[f + "_norm"] for f in fresh} == fresh
    assert not noted & normalize._KNOWN_FORMS.keys()  # each form is taken once


def test_stream_dedup_and_commit_semantics(sample_text: str) -> None:
    memory = InMemory()
    list(enricher(memory).enrich([article("a", sample_text)]))
    # not committed: a failed batch is not remembered
    first = enricher(memory)
    [b] = first.enrich([article("b", sample_text)])
    assert b["duplicate_of"] is None
    first.commit()
    [c] = enricher(memory).enrich([article("c", sample_text, title="نشر ثان")])
    assert c["duplicate_of"] == "b" and c["story_id"] == "b"


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([RAQIB, "enrich", *args], input=stdin, capture_output=True,
                          timeout=120, check=False)


@pytest.fixture()
def jsonl_with_bad_lines(sample_text: str) -> bytes:
    lines = [
        json.dumps(article("a1", sample_text), ensure_ascii=False).encode(),
        b"{not json",
        b"",
        b"[1, 2]",
        json.dumps({"id": "x", "title": "t", "body": 5}).encode(),
        b"\xff\xfe broken utf-8",
        json.dumps(article("a2", "قصفت طائرات التحالف الدولي مواقع لداعش في الرقة."),
                   ensure_ascii=False).encode(),
    ]
    return b"\n".join(lines) + b"\n"


def check_output(proc: subprocess.CompletedProcess) -> None:
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["id"] for r in out] == ["a1", "a2"]
    assert {"coalition", "isis"} <= {t["id"] for t in out[1]["topics"]}
    err = proc.stderr.decode()
    for number in (2, 4, 5, 6):
        assert f"line {number}: skipped" in err
    assert "line 3" not in err  # blank lines are not errors
    assert proc.returncode == 3


def test_cli_reads_a_file(tmp_path, jsonl_with_bad_lines: bytes) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl_with_bad_lines)
    check_output(run_cli(str(path)))


def test_cli_reads_a_pipe(jsonl_with_bad_lines: bytes) -> None:
    check_output(run_cli(stdin=jsonl_with_bad_lines))
    check_output(run_cli("-", stdin=jsonl_with_bad_lines))


def test_cli_clean_input_duplicates_within_it_and_missing_file(tmp_path,
                                                                 sample_text: str) -> None:
    line = json.dumps(article("a", sample_text), ensure_ascii=False).encode() + b"\n"
    ok = run_cli(stdin=line + line.replace(b'"id": "a"', b'"id": "b"'))
    assert ok.returncode == 0
    a, b = (json.loads(x) for x in ok.stdout.splitlines())
    assert b["duplicate_of"] == "a" and b["story_id"] == a["story_id"] == "a"
    missing = run_cli(str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 1 and b"nope.jsonl" in missing.stderr


def test_enrichment_collects_garbage_less_often_and_restores_the_setting() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections(10_000, 50):
        assert gc.get_threshold() == (10_000, 50, 50)
        raise RuntimeError("a batch failed")
    assert gc.get_threshold() == before
