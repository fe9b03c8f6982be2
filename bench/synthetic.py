"""Synthetic Arabic articles for the benchmarks (generated here, not copied from any outlet)."""

from __future__ import annotations

import hashlib
import random
import time
from datetime import UTC, datetime, timedelta

from indexing.bulk import index_records
from indexing.templates import ALIAS

WORDS = (
    "التحالف الدولي داعش تنظيم الدولة الرقة الموصل الأنبار الرمادي تدمر حمص دمشق بغداد "
    "الحشد الشعبي الأكراد قوات سوريا الديمقراطية الإدارة الأميركية واشنطن طهران البرنامج "
    "النووي مشروع التقسيم الفدرالية الأقاليم المعارك الجيش السوري العراقي مصادر مراقبة "
    "أعلنت وزارة الدفاع غارات جوية استهدفت مواقع في ريف المدينة وأسفرت عن سقوط قتلى "
    "بالتزامن مع تقدم القوات على محور الطريق الدولي والمعابر الحدودية والمساعدات الإنسانية"
).split()
URL_PREFIX = "https://bench.example/news/"
OUTLETS = ["elnashra", "aljazeera", "alarabiya", "skynewsarabia", "bbcarabic", "aawsat",
           "annahar", "alakhbar", "enabbaladi", "rudaw"]
TOPICS = ["coalition", "isis", "partition", "kurds", "pmf", "iran_nuclear", "us_policy"]
PLACES = [("raqqa", 35.95, 39.01), ("mosul", 36.34, 43.13), ("palmyra", 34.56, 38.27),
          ("ramadi", 33.42, 43.3), ("kobani", 36.89, 38.35), ("homs", 34.73, 36.71),
          ("baghdad", 33.31, 44.36), ("damascus", 33.51, 36.29), ("anbar", 33.4, 42.0),
          ("deir-ez-zor", 35.33, 40.14)]


def generate_articles(n: int, seed: int = 7, words_per_paragraph: int = 36,
                      end: datetime | None = None, days: int = 365) -> list[dict]:
    """``n`` enriched article records (~2 KB bodies) spread over ``days`` before ``end``."""
    rnd = random.Random(seed)
    end = end or datetime(2015, 12, 31, tzinfo=UTC)
    articles = []
    for i in range(n):
        url = f"{URL_PREFIX}{i}"
        published = end - timedelta(seconds=rnd.randrange(days * 86400))
        topics = rnd.sample(TOPICS, k=rnd.randint(0, 3))
        places = rnd.sample(PLACES, k=rnd.randint(0, 2))
        articles.append({
            "id": hashlib.sha1(url.encode()).hexdigest(), "url": url, "canonical_url": url,
            "outlet": (outlet := rnd.choice(OUTLETS)), "outlet_name": outlet,
            "title": " ".join(rnd.choices(WORDS, k=9)),
            "lead": " ".join(rnd.choices(WORDS, k=20)),
            "body": "\n\n".join(" ".join(rnd.choices(WORDS, k=words_per_paragraph))
                                for _ in range(5)),
            "author": None, "section": None, "image": None, "keywords": [],
            "published_at": published.isoformat(timespec="seconds"),
            "modified_at": None, "crawled_at": end.isoformat(timespec="seconds"),
            "language": "ar",
            "topics": [{"id": t, "label_ar": t, "label_en": t, "score": 1.0, "evidence": []}
                       for t in topics],
            "places": [{"id": p, "name_ar": p, "name_en": p, "country": "SY", "lat": lat,
                        "lon": lon} for p, lat, lon in places],
            "fingerprint": hashlib.sha1(str(i).encode()).hexdigest(),
            "duplicate_of": None, "story_id": f"s{i // 3}",
        })
    return articles


def ensure_loaded(client, n: int, batch: int = 10_000) -> None:
    """Index ``n`` synthetic articles unless the index already holds them."""
    have = client.options(ignore_status=404).count(
        index=ALIAS, query={"prefix": {"url": URL_PREFIX}}).get("count", 0)
    if have >= n:
        print(f"index already holds {have:,} synthetic articles; not loading")
        return
    print(f"loading {n:,} synthetic articles (index holds {have:,}) …", flush=True)
    start = time.perf_counter()
    articles = generate_articles(n)
    for i in range(0, n, batch):
        index_records(articles[i:i + batch], client, chunk_size=500)
    client.indices.refresh(index=ALIAS)
    print(f"loaded in {time.perf_counter() - start:.0f} s", flush=True)
