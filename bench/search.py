"""Search latency: ``indexing.search.search`` vs the raw Elasticsearch request it sends.

Loads 100,000 synthetic articles (``bench.synthetic``; skipped when the index
already holds them), then runs a mix of analyst queries — text plus one or two
filters, with facets and the date histogram — through the project's search
function and, in the same run and interleaved, as the bare
``client.search(index="raqib-articles", body=build_body(req))``. The difference is
the project's own work: query normalisation, snippets, reshaping the response.

    RAQIB_HOME=/tmp/raqib-bench raqib es up
    RAQIB_HOME=/tmp/raqib-bench python -m bench.search [--n 100000] [--queries 1000]
(or RAQIB_ES_URL=… for another cluster). Goal: p95 <= 100 ms, overhead <= 15 %.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bench.synthetic import OUTLETS, PLACES, TOPICS, WORDS, ensure_loaded
from indexing.client import get_client
from indexing.search import SearchRequest, build_body, search
from indexing.templates import ALIAS

END = datetime(2015, 12, 31, tzinfo=UTC)
PHRASES = ['"التحالف الدولي"', '"الحشد الشعبي"', '"البرنامج النووي"', '"مشروع التقسيم"']


def analyst_queries(count: int, seed: int = 11) -> list[SearchRequest]:
    """A reproducible mix: 1–2 words, a phrase, OR or an exclusion, plus 1–2 filters."""
    rnd = random.Random(seed)
    requests = []
    for _ in range(count):
        kind = rnd.random()
        if kind < 0.45:
            text = " ".join(rnd.sample(WORDS, k=rnd.randint(1, 2)))
        elif kind < 0.65:
            text = rnd.choice(PHRASES)
        elif kind < 0.85:
            text = f"{rnd.choice(WORDS)} OR {rnd.choice(WORDS)}"
        else:
            text = f"{rnd.choice(WORDS)} -{rnd.choice(WORDS)}"
        req = SearchRequest(text=text, limit=20, facets=True)
        for name in rnd.sample(["topic", "outlet", "place", "dates"], k=rnd.randint(1, 2)):
            if name == "topic":
                req.topics = [rnd.choice(TOPICS)]
            elif name == "outlet":
                req.outlets = rnd.sample(OUTLETS, k=rnd.randint(1, 2))
            elif name == "place":
                req.places = [rnd.choice(PLACES)[0]]
            else:
                days = rnd.choice([7, 30, 90])
                req.date_to = END - timedelta(days=rnd.randrange(0, 300))
                req.date_from = req.date_to - timedelta(days=days)
        if rnd.random() < 0.2:
            req.sort = "date"
        requests.append(req)
    return requests


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99 and mean of ``samples`` (seconds) in milliseconds."""
    ordered = sorted(samples)

    def pick(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] * 1000

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99),
            "mean": sum(ordered) / len(ordered) * 1000}


def measure(client, requests: list[SearchRequest]) -> dict[str, list[float]]:
    """Time both ways for every request, alternating which one goes first."""
    bodies = [build_body(req) for req in requests]
    times: dict[str, list[float]] = {"raqib search()": [], "raw client.search": []}

    def run_search(i: int) -> None:
        search(client, requests[i])

    def run_raw(i: int) -> None:
        client.search(index=ALIAS, body=bodies[i])

    for i in range(len(requests)):
        order: list[tuple[str, Callable[[int], None]]] = [
            ("raqib search()", run_search), ("raw client.search", run_raw)]
        for name, fn in (order if i % 2 == 0 else order[::-1]):
            start = time.perf_counter()
            fn(i)
            times[name].append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles to load")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--profile", action="store_true",
                        help="also profile search() over the queries and print the top functions")
    args = parser.parse_args()
    client = get_client(request_timeout=120)
    ensure_loaded(client, args.n)
    total = client.count(index=ALIAS)["count"]
    requests = analyst_queries(args.queries)
    measure(client, analyst_queries(args.warmup, seed=99))  # warm caches and the JIT
    times = measure(client, requests)
    print(f"{len(requests)} analyst queries over {total:,} articles "
          "(text + 1-2 filters + 3 facets + histogram, 20 hits with snippets)")
    stats = {name: percentiles(samples) for name, samples in times.items()}
    for name, s in stats.items():
        print(f"  {name:18s} p50 {s['p50']:6.1f} ms   p95 {s['p95']:6.1f} ms   "
              f"p99 {s['p99']:6.1f} ms   mean {s['mean']:6.1f} ms")
    ours, raw = stats["raqib search()"], stats["raw client.search"]
    for key in ("p50", "p95", "mean"):
        print(f"  overhead at {key}: {(ours[key] / raw[key] - 1) * 100:+.1f} %")
    print(f"goal p95 <= 100 ms: {'met' if ours['p95'] <= 100 else 'NOT met'}; "
          f"overhead <= 15 % at p95: {'met' if ours['p95'] <= raw['p95'] * 1.15 else 'NOT met'}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for req in requests:
            search(client, req)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)


if __name__ == "__main__":
    main()
