"""Bulk indexing speed: the project's indexer vs plain ``elasticsearch.helpers.bulk``.

Generates synthetic Arabic articles (~2 KB bodies), then on the same node indexes
them once with ``indexing.bulk.index_records`` and once with the plain helper.
Both build the very same documents (``to_document``, which adds the normalised
``*_norm`` fields), so the ratio measures the indexer's own machinery: windows,
retry bookkeeping, dead letter, counts. Normalisation cost is printed apart.

    RAQIB_ES_URL=http://127.0.0.1:9200 python -m bench.bulk_index [--n 50000]
(without RAQIB_ES_URL it uses the local node of ``raqib es up``).
"""

from __future__ import annotations

import argparse
import time

from elasticsearch.helpers import bulk

from bench.synthetic import generate_articles
from indexing.bulk import index_records, to_document
from indexing.client import get_client
from indexing.templates import install_template
from processing.normalize import normalize_for_search


def reset(client) -> None:
    client.options(ignore_status=404).indices.delete(index="raqib-articles-*")
    install_template(client)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    client = get_client(request_timeout=120)
    articles = generate_articles(args.n)
    body_kb = sum(len(a["body"].encode()) for a in articles) / len(articles) / 1024
    print(f"{args.n} articles, mean body {body_kb:.1f} KB")

    t = time.perf_counter()
    for a in articles[:5000]:
        normalize_for_search(a["body"])
    norm_rate = 5000 / (time.perf_counter() - t)
    print(f"normalisation alone (title+lead+body share): {norm_rate:,.0f} bodies/s")

    def plain() -> None:
        actions = ({"_index": idx, "_id": i, "_source": s}
                   for idx, i, s in map(to_document, articles))
        bulk(client, actions, chunk_size=args.chunk_size)

    def project() -> None:
        index_records(articles, client, chunk_size=args.chunk_size)

    rates: dict[str, float] = {}
    runs = (("plain helpers.bulk", plain), ("raqib index_records", project)) * args.rounds
    for name, fn in runs:  # alternate, keep each one's best round
        reset(client)
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        client.indices.refresh(index="raqib-articles")
        assert client.count(index="raqib-articles")["count"] == args.n
        rates[name] = max(rates.get(name, 0.0), args.n / elapsed)
        print(f"{name:22s} {args.n / elapsed:8,.0f} docs/s  ({elapsed:.1f} s)")
    ratio = rates["raqib index_records"] / rates["plain helpers.bulk"]
    print(f"best of {args.rounds}: ratio raqib/plain {ratio:.2f} (goal >= 0.90)")
    reset(client)


if __name__ == "__main__":
    main()
