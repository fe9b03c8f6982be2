"""Near-duplicates and story ids: in a stream, across runs, idempotent on re-processing.

Which articles are one story (event identity) is tested in test_stories.py.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from datasketch import MinHash

from processing.dedup import (
    BANDS,
    DUPLICATE_THRESHOLD,
    NUM_PERM,
    SEED,
    Article,
    Deduper,
    InMemory,
    _shingle_hashes,
    entry,
    fingerprint,
    signature_of_tokens,
    sketch,
)
from processing.normalize import normalize_for_search
from raqib.evaluation import load_items
from tests.conftest import REPO_ROOT


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


@pytest.fixture(scope="module")
def other_texts() -> list[str]:
    """Different articles on the same topics: our evaluation snippets, four at a time."""
    snippets = [i["text"] for i in load_items(REPO_ROOT / "tests/data/topics_eval.yaml")]
    return [" ".join(snippets[i:i + 4]) for i in range(0, 60, 4)]


def rec(rid: str, body: str, title: str = "عنوان") -> dict:
    return {"id": rid, "title": title, "body": body}


def test_signature_is_datasketchs_minhash_of_the_shingles(other_texts: list[str]) -> None:
    """The array computation gives the library's values (stored signatures stay valid)."""
    for text in other_texts[:5]:
        tokens = normalize_for_search(text).split()
        reference = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int)
        reference.update_batch(_shingle_hashes(tokens).tolist())
        assert np.array_equal(signature_of_tokens(tokens), reference.hashvalues)
    assert signature_of_tokens([]) is None


def test_fingerprint_ignores_presentation_only(sample_text: str) -> None:
    a = rec("a", sample_text)
    b = rec("b", sample_text.replace("،", " ، ").replace("الإ", "الا").replace("\n\n", "\n"))
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint(rec("c", sample_text + " جملة إضافية"))


def test_republication_rewrite_and_unrelated(sample_text: str, other_texts: list[str]) -> None:
    paras = paragraphs(sample_text)
    dd = Deduper()
    original = dd.check(rec("orig", sample_text))
    assert original.duplicate_of is None and original.story_id == "orig"

    exact = dd.check(rec("copy", sample_text, title="عنوان آخر تماماً"))
    trimmed = dd.check(rec("trim", "\n\n".join(paras[:-1]) + "\n\nالمصدر: وكالات"))
    assert exact.duplicate_of == "orig" and exact.story_id == "orig"
    assert trimmed.duplicate_of == "orig" and trimmed.story_id == "orig"

    # the same headline and lead, then half of the rest, reordered: same story, not a copy
    rewrite = dd.check(rec("rewrite", "\n\n".join([paras[0], *reversed(paras[3::2])])))
    assert rewrite.duplicate_of is None
    assert rewrite.story_id == "orig"

    for n, text in enumerate(other_texts):
        other = dd.check(rec(f"other{n}", text))
        assert other.duplicate_of is None and other.story_id == f"other{n}", n


def test_reprocessing_is_idempotent(sample_text: str) -> None:
    dd = Deduper()
    first = dd.check(rec("a", sample_text))
    copy = dd.check(rec("b", sample_text))
    assert dd.check(rec("a", sample_text)) == first  # not a duplicate of itself
    assert dd.check(rec("b", sample_text)) == copy
    assert len(dd) == 2


def test_memory_carries_across_runs_only_once_committed(sample_text: str) -> None:
    memory = InMemory()
    yesterday = Deduper(memory)
    yesterday.check(rec("yesterday", sample_text))
    today = Deduper(memory)
    assert today.check(rec("x", sample_text)).duplicate_of is None  # not committed yet
    yesterday.commit()
    result = Deduper(memory).check(rec("today", sample_text + "\n\nتحديث: أضيفت تفاصيل."))
    assert result.duplicate_of == "yesterday" and result.story_id == "yesterday"


def test_a_batch_is_three_memory_calls_and_sees_itself(sample_text: str) -> None:
    calls = []

    class Counting(InMemory):
        def get(self, ids):
            calls.append("get")
            return super().get(ids)

        def candidates(self, sketches, events):
            calls.append("candidates")
            return super().candidates(sketches, events)

    dd = Deduper(Counting())
    results = dd.check_batch([Article(rec("a", sample_text)), Article(rec("b", sample_text))])
    # earlier versions, candidates, the first reports of the candidates' stories
    assert calls == ["get", "candidates", "get"]
    assert results[1].duplicate_of == "a" and results[1].story_id == "a"


def test_a_batch_is_looked_up_while_the_caller_works_and_its_failure_comes_back(
        sample_text: str) -> None:
    """``look_up`` returns at once while the memory answers in the background; what it
    returns classifies the batch, or raises what the lookups raised."""
    answer = threading.Event()

    class Slow(InMemory):
        def candidates(self, sketches, events):
            assert answer.wait(10), "look_up waited for the lookups"
            return super().candidates(sketches, events)

    memory = Slow()
    answer.set()
    first = Deduper(memory)
    first.check(rec("a", sample_text))
    first.commit()
    answer.clear()
    classify = Deduper(memory).look_up([Article(rec("b", sample_text))])
    answer.set()  # the caller's other work, done while the lookups wait
    assert classify()[0].duplicate_of == "a"

    class Down(InMemory):
        def candidates(self, sketches, events):
            raise ConnectionError("the store went away")

    classify = Deduper(Down()).look_up([Article(rec("c", sample_text))])
    with pytest.raises(ConnectionError, match="went away"):
        classify()


def test_band_keys_are_shared_by_rewrites_not_by_unrelated_texts(
        sample_text: str, other_texts: list[str]) -> None:
    paras = paragraphs(sample_text)
    original = set(sketch(rec("a", sample_text)).bands)
    trimmed = set(sketch(rec("b", "\n\n".join(paras[:-1]))).bands)
    assert len(original) == BANDS and original & trimmed
    assert all(not original & set(sketch(rec("o", t)).bands) for t in other_texts)
    assert sketch(rec("e", "", title="")).bands == ()


def test_oldest_entries_are_forgotten(sample_text: str, other_texts: list[str]) -> None:
    memory = InMemory(max_entries=3)
    dd = Deduper(memory)
    dd.check(rec("old", sample_text))
    for n, text in enumerate(other_texts[:3]):
        dd.check(rec(f"o{n}", text))
    dd.commit()
    assert len(memory) == 3
    assert Deduper(memory).check(rec("new", sample_text)).duplicate_of is None


def test_candidates_equally_close_come_in_the_order_they_were_seen(sample_text: str) -> None:
    """Ties go to the earlier article, not to the process's string hash order (a story
    choice must not change between two runs of the same input)."""
    sk = sketch(rec("x", sample_text))
    for order in (["b", "a", "d", "c", "f", "e"], ["a", "b", "c", "d", "e", "f"]):
        memory = InMemory()
        memory.remember([entry(rid, sk, None, rid, None) for rid in order])
        assert memory._most_shared(sk.bands) == order


def test_threshold_is_a_fraction() -> None:
    assert 0 < DUPLICATE_THRESHOLD < 1
