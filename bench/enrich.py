"""Throughput of the enrichment chain, whole and per stage, on one core.

    taskset -c 0 python -m bench.enrich [--articles 20000] [--body-bytes 2600]
                                        [--real FILE] [--profile] [--calibrate]

Generates ``--articles`` synthetic Arabic articles of about 3 KB (UTF-8 JSON record; the
vocabulary mixes everyday news words with the taxonomy's phrases and the gazetteer's
names, and 5 % are re-publications and 5 % partial rewrites of earlier ones), then times:

* the whole chain (:meth:`processing.enrich.Enricher.enrich`) with cold caches, then warm
  (three times; the median is the figure);
* each stage alone: tokenise + normalise (``Doc``), language, topics, places, dedup;
* JSON decode + encode, the extra work of ``raqib enrich``.

Everything runs with the garbage collector set as ``raqib enrich`` and ``raqib process``
set it (:func:`processing.enrich.fewer_collections`).

``--real FILE`` times the same on real article records (JSONL, e.g.
``../shared/realnews/articles.jsonl``) and prints them beside the synthetic figures.
``--profile`` prints the cProfile top of the chain; ``--calibrate`` prints the word-3-
shingle Jaccard of article variants that the dedup thresholds were chosen from.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # numpy (MinHash) on one core

import argparse  # noqa: E402
import cProfile  # noqa: E402
import json  # noqa: E402
import pstats  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from processing.dedup import (  # noqa: E402
    DUPLICATE_THRESHOLD,
    Article,
    Deduper,
    _shingle_hashes,
    signature_of_tokens,
    similarity,
)
from processing.enrich import Enricher, article_text, fewer_collections  # noqa: E402
from processing.language import language_of_record  # noqa: E402
from processing.normalize import normalize_for_search  # noqa: E402
from processing.phrases import Doc  # noqa: E402
from processing.places import PlaceTagger  # noqa: E402
from processing.stories import event_of  # noqa: E402
from processing.topics import TopicTagger  # noqa: E402
from tests.helpers import catalogue  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent.parent / "shared/samples/elnashra-palmyra-2015.txt"
TARGET_BYTES = 2600  # body bytes; with title, lead and fields the JSON is ~3 KB

# Everyday news vocabulary (our own list).
WORDS = """
قال أكد أعلن أشار أوضح كشف نفى اعتبر رأى طالب دعا حذر أفاد ذكر أضاف تابع شدد لفت
مصدر مصادر مسؤول مسؤولون وزير وزارة الحكومة رئيس الرئيس البرلمان مجلس النواب الشعب
الجيش القوات الأمن الشرطة المعارضة الفصائل المسلحة العسكرية السياسية الاقتصادية
المنطقة المدينة القرية الحدود الطريق المعبر المطار الميناء المحافظة الريف الشمال الجنوب
الشرق الغرب اليوم أمس غدا الأسبوع الشهر العام الماضي المقبل الجاري صباح مساء خلال بعد
قبل منذ حتى عند بين على إلى من في عن مع ضد حول نحو لدى عبر دون غير بسبب رغم وفق
اجتماع لقاء زيارة مؤتمر مفاوضات اتفاق هدنة تسوية حل أزمة حرب معركة معارك اشتباكات هجوم
قصف غارة غارات انفجار تفجير ضحايا قتلى جرحى مدنيين أطفال نساء عائلات سكان أهالي
مساعدات إنسانية غذائية طبية مستشفى مدارس جامعة طلاب عمال موظفين رواتب أسعار الوقود
الكهرباء المياه النفط الغاز التجارة الاستثمار الموازنة الدولار الليرة الدينار البنك
الانتخابات الحزب الأحزاب التيار الكتلة النائب الدستور القانون القضاء المحكمة التحقيق
بيان تصريح تقرير معلومات وثيقة رسالة خطة مشروع برنامج مبادرة قرار موقف رد دعم تأييد رفض
إدانة تنديد ترحيب قلق مخاوف تهديد تحذير ضغوط عقوبات تعاون تنسيق علاقات حوار تفاهم
سيطرة تقدم انسحاب حصار تحرير استعادة إعادة انتشار تعزيزات وحدات عناصر مقاتلين قادة
الدولي الإقليمي المحلي الوطني العربي الغربي الرسمي الشعبي الأمني الإنساني الميداني
كبير صغير جديد قديم واسع كامل مباشر سريع مهم خطير واضح محدود مستمر متواصل
""".split()


def _vocabulary() -> tuple[list[str], list[str]]:
    topics = [s for t in catalogue().taxonomy().topics for p in t.phrases
              for s in p.surfaces if not s.isascii()]
    places = [n for p in catalogue().gazetteer().places for n in (p.name_ar, *p.variants)
              if not n.isascii()]
    return topics, places


def generate(n: int, seed: int = 7, body_bytes: int = TARGET_BYTES) -> list[dict]:
    """``n`` article records; bodies of about ``body_bytes`` bytes of UTF-8."""
    rng = random.Random(seed)
    topics, places = _vocabulary()

    def sentence() -> str:
        words = rng.choices(WORDS, k=rng.randint(10, 22))
        if rng.random() < 0.5:
            words.insert(rng.randrange(len(words)), rng.choice(topics))
        if rng.random() < 0.4:
            words.insert(rng.randrange(len(words)), "في " + rng.choice(places))
        return " ".join(words) + rng.choice(("،", ".", ".", "."))

    records: list[dict] = []
    for i in range(n):
        rid = f"{i:040x}"
        roll = rng.random()
        if records and roll < 0.05:  # re-publication elsewhere
            src = rng.choice(records[-500:])
            body = src["body"] + "\n\nالمصدر: وكالات"
        elif records and roll < 0.10:  # partial rewrite of the same story
            src = rng.choice(records[-500:])
            keep = src["body"].split("\n\n")[::2]
            body = "\n\n".join(keep + [" ".join(sentence() for _ in range(3))])
        else:
            paragraphs, size = [], 0
            while size < body_bytes - 450:
                para = " ".join(sentence() for _ in range(rng.randint(2, 4)))
                paragraphs.append(para)
                size += len(para.encode()) + 2
            body = "\n\n".join(paragraphs)
        title = " ".join(rng.choices(WORDS, k=rng.randint(6, 10)))
        records.append({
            "id": rid, "url": f"https://example.org/{rid}", "canonical_url": None,
            "outlet": "bench", "outlet_name": "مقياس", "title": title,
            "lead": " ".join(rng.choices(WORDS, k=14)), "body": body, "author": None,
            "section": None, "image": None, "keywords": [],
            "published_at": "2015-05-21T10:00:00+03:00", "modified_at": None,
            "crawled_at": "2015-05-21T08:00:00+00:00",
        })
    return records


def timed(label: str, n: int, fn: Callable[[], object]) -> float:
    """Run ``fn`` and print articles per CPU-second of this (single-threaded) process.

    CPU time rather than wall time, so other load on the machine does not count; the
    wall-clock figure is printed beside it.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"  {label:<36}{n / cpu:>9,.0f} articles/s  {cpu * 1e6 / n:>6.0f} µs/article"
          f"  (wall {n / wall:,.0f}/s)")
    return cpu


def bench(records: list[dict], what: str = "generated") -> float:
    """Time the chain and its stages; returns the warm articles/s."""
    n = len(records)
    size = sum(len(json.dumps(r, ensure_ascii=False).encode()) for r in records) / n
    chars = sum(len(article_text(r)) for r in records) / n
    print(f"\n{n:,} {what} articles, {size:,.0f} bytes of JSON each on average "
          f"({chars:,.0f} characters of title + lead + body); Python {sys.version.split()[0]}")

    print("whole chain (Enricher.enrich):")
    cold = timed("cold caches (first pass)", n, lambda: _chain(records))
    docs: list[Doc] = []
    print("stages (warm caches):")
    timed("tokenise + normalise (Doc)", n,
          lambda: docs.extend(Doc.from_record(r) for r in records))
    timed("language", n, lambda: [language_of_record(r) for r in records])
    topics = TopicTagger(catalogue().taxonomy())
    timed("topics", n, lambda: [topics.tag(d) for d in docs])
    places = PlaceTagger(catalogue().gazetteer())
    timed("places", n, lambda: [places.tag(d) for d in docs])
    kinds = {p.id: p.kind for p in catalogue().gazetteer().places}
    found = [places.tag_with_positions(d) for d in docs]
    events: list = []
    timed("story event (main content, particulars)", n, lambda: events.extend(
        event_of(d, r.get("outlet"), r.get("published_at"), f, None, kinds)
        for r, d, f in zip(records, docs, found, strict=True)))
    dd = Deduper()
    timed("dedup + story choice (MinHash LSH, candidates)", n,
          lambda: [dd.check_batch([Article(r, d.tokens, e)])
                   for r, d, e in zip(records, docs, events, strict=True)])
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    timed("JSON decode + encode (raqib enrich)", n,
          lambda: [json.dumps(json.loads(line), ensure_ascii=False) for line in lines])
    print("whole chain again, three times (the median counts: this machine's speed varies):")
    warm = statistics.median(timed("warm caches", n, lambda: _chain(records)) for _ in range(3))
    print(f"=> chain: {n / cold:,.0f} articles/s cold, {n / warm:,.0f} articles/s warm, one core")
    return n / warm


def _chain(records: Sequence[dict]) -> list[dict]:
    enricher = Enricher(catalogue().taxonomy(), catalogue().gazetteer())
    return list(enricher.enrich(records))


def profile(records: list[dict]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    _chain(records)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(18)


def jaccard(a: Sequence[str], b: Sequence[str]) -> tuple[float, float]:
    """Exact word-3-shingle Jaccard and its MinHash estimate."""
    sa, sb = set(_shingle_hashes(a).tolist()), set(_shingle_hashes(b).tolist())
    exact = len(sa & sb) / len(sa | sb)
    return exact, similarity(signature_of_tokens(a), signature_of_tokens(b))


def calibrate(records: list[dict]) -> None:
    rng = random.Random(3)
    texts = []
    if SAMPLE.exists():
        texts.append(("sample article", SAMPLE.read_text(encoding="utf-8")))
    texts += [(f"generated #{i}", records[i]["body"]) for i in (0, 1)]
    print(f"word-3-shingle Jaccard, exact / MinHash estimate "
          f"(duplicate >= {DUPLICATE_THRESHOLD}):")
    for name, text in texts:
        paras = [p for p in text.split("\n\n") if p.strip()]
        words = text.split()
        swapped = list(words)
        for i in rng.sample(range(len(words)), len(words) // 20):
            swapped[i] = rng.choice(WORDS)
        variants = {
            "other title + source line": "عنوان مختلف\n\n" + text + "\n\nالمصدر: وكالات",
            "one paragraph dropped": "\n\n".join(paras[:-1]),
            "5% of words replaced": " ".join(swapped),
            "half the paragraphs, reordered": "\n\n".join(reversed(paras[::2])),
            "a third of the paragraphs": "\n\n".join(paras[::3]),
        }
        base = normalize_for_search(text).split()
        print(f"  {name}:")
        for label, variant in variants.items():
            exact, est = jaccard(base, normalize_for_search(variant).split())
            print(f"    {label:<34}{exact:>6.2f} / {est:.2f}")
    worst = 0.0
    for i in range(2, 200):
        a = normalize_for_search(records[i]["body"]).split()
        b = normalize_for_search(records[i + 300]["body"]).split()
        worst = max(worst, jaccard(a, b)[0])
    print(f"  unrelated generated pairs (same vocabulary), max of 198: {worst:.2f}")


def read_real(path: Path) -> list[dict]:
    from core.record import RecordError, read_jsonl

    return [r for _, r in read_jsonl(path) if not isinstance(r, RecordError)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--body-bytes", type=int, default=TARGET_BYTES,
                        help=f"UTF-8 bytes per body (default {TARGET_BYTES}: ~3 KB records)")
    parser.add_argument("--real", type=Path, metavar="FILE",
                        help="also time real article records from this JSONL file")
    parser.add_argument("--profile", action="store_true", help="cProfile the chain")
    parser.add_argument("--calibrate", action="store_true", help="dedup threshold data")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    records = generate(args.articles, body_bytes=args.body_bytes)
    print(f"(generated in {time.perf_counter() - start:.1f} s)")
    if args.calibrate:
        calibrate(records)
    elif args.profile:
        profile(read_real(args.real) if args.real else records)
    else:
        with fewer_collections():  # the collector's setting of raqib enrich and process
            synthetic = bench(records)
            if args.real:
                real = bench(read_real(args.real), f"real ({args.real.name})")
        if args.real:
            print(f"\nwarm chain, one core: synthetic {synthetic:,.0f} articles/s, "
                  f"real {real:,.0f} articles/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
