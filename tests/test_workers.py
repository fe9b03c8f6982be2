"""Two workers, one cluster: separate homes and processes, crawling, processing and sending
digests at the same time. Every article is indexed once, every mail sent once, nothing
lost; a second worker does not fetch again what the first one collected.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from core.urls import article_id
from raqib.replay import serve
from state import landing, ledger
from tests.test_alerts_digest import smtp_server

RAQIB = str(Path(sys.executable).with_name("raqib"))


def _start(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([RAQIB, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _finish(procs: list[subprocess.Popen]) -> list[str]:
    outputs = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, out
        outputs.append(out)
    return outputs


@pytest.mark.slow
def test_two_workers_share_the_work_and_never_repeat_it(fresh_state, tmp_path: Path) -> None:
    client = fresh_state
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(yaml.safe_dump({"alerts": [
        {"name": "isis", "query": "داعش", "recipients": ["a@example.org", "b@example.org"]},
        {"name": "coalition", "topics": ["coalition"], "recipients": ["c@example.org"]},
    ]}), encoding="utf-8")
    with serve() as site, smtp_server() as (collector, port):
        outlets = site.write_outlets(tmp_path / "outlets.yaml")

        def env(name: str) -> dict:
            home = tmp_path / name
            home.mkdir()
            return dict(os.environ, RAQIB_HOME=str(home), RAQIB_OUTLETS_FILE=str(outlets),
                        RAQIB_ALERTS_FILE=str(alerts), RAQIB_SMTP_HOST="127.0.0.1",
                        RAQIB_SMTP_PORT=str(port), COLUMNS="200")

        one, two = env("worker-1"), env("worker-2")
        _finish([_start(["run"], one), _start(["run"], two)])

        expected = {article_id(a["canonical_url"]) for a in site.expected_articles()}
        client.indices.refresh(index="raqib-articles")
        hits = client.search(index="raqib-articles", size=500, source=False)["hits"]["hits"]
        assert {h["_id"] for h in hits} == expected  # every article, once
        batches = landing.batches(client)
        assert ledger.done(client, [b.key for b in batches]) == {b.key for b in batches}
        landed = sum(b.records for b in batches)
        assert len(expected) <= landed <= 2 * len(expected)  # racing fetches land twice at most

        before = dict(site.hits)
        _finish([_start(["run"], two)])  # the second worker, later: nothing fetched again
        fetched = {p for p, n in site.hits.items() if n != before.get(p, 0)}
        collected = {a["url"].removeprefix(site.url) for a in site.expected_articles()}
        assert not fetched & collected, fetched & collected

        _finish([_start(["digest", "--send", "--since", "2h"], one),
                 _start(["digest", "--send", "--since", "2h"], two)])
        recipients = sorted(r for _, rcpts, _ in collector.messages for r in rcpts)
        assert recipients == ["a@example.org", "b@example.org", "c@example.org"]  # once each

        _finish([_start(["digest", "--send", "--since", "2h"], two)])
        assert len(collector.messages) == 3  # the next run has nothing new to send
