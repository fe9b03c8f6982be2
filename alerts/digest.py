"""The daily digest run: one library function for the CLI, the Airflow DAG and ``raqib demo``."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from elasticsearch import ApiError, Elasticsearch, TransportError

from alerts.build import Digest, build_digests
from alerts.deliver import DeliveryError, Outbox, SmtpSender
from alerts.render import build_message, subject
from core.catalogue import Catalogue, Labels
from core.catalogue.alerts import Alert
from core.settings import Settings, load_settings
from indexing.search import QueryError, parse_since
from indexing.trends import TrendRequest, trends
from state.leases import Lease
from state.sent import SentLedger

log = logging.getLogger(__name__)


@dataclass
class RecipientResult:
    """What happened to one alert's digest for one recipient.

    ``status``: ``sent`` (accepted by SMTP), ``written`` (``.eml`` in the outbox),
    ``skipped`` (nothing new), ``failed`` (not delivered; goes out next run) or
    ``dry-run`` (built, not delivered, nothing recorded).
    """

    alert: str
    recipient: str
    status: str
    articles: int = 0        # new matching articles (shown + "N more")
    stories: int = 0         # entries in the e-mail
    subject: str | None = None
    path: Path | None = None  # the .eml file, in outbox mode
    error: str | None = None


@dataclass
class DigestSummary:
    """The outcome of :func:`run_digests`, one :class:`RecipientResult` per alert and recipient."""

    mode: str                 # "smtp" | "outbox" | "dry-run"
    outbox: Path | None = None
    results: list[RecipientResult] = field(default_factory=list)
    seconds: float = 0.0

    def _count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def sent(self) -> int:
        return self._count("sent")

    @property
    def written(self) -> int:
        return self._count("written")

    @property
    def skipped(self) -> int:
        return self._count("skipped")

    @property
    def failed(self) -> int:
        return self._count("failed")

    @property
    def paths(self) -> list[Path]:
        return [r.path for r in self.results if r.path]

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @property
    def errors(self) -> list[str]:
        return list(dict.fromkeys(r.error for r in self.results if r.error))

    def report(self) -> str:
        """The summary for people: the CLI prints it, the DAG logs it."""
        lines = [f"{r.alert} → {r.recipient}: {r.status}, {r.articles} article(s) in "
                 f"{r.stories} stor(ies)" + (f": {r.error}" if r.error else "")
                 for r in self.results]
        lines.append(f"digest ({self.mode}): {self.sent} sent, {self.written} written, "
                     f"{self.skipped} with nothing new, {self.failed} failed in "
                     f"{self.seconds:.1f}s" + (f"; outbox: {self.outbox}" if self.written else ""))
        return "\n".join(lines)

    def raise_for_failures(self) -> None:
        """Raise :class:`DigestDeliveryError` if a digest was not delivered (for schedulers)."""
        if not self.ok:
            raise DigestDeliveryError(f"{self.failed} digest(s) not delivered (they go out on "
                                      "the next run): " + "; ".join(self.errors))


class DigestError(RuntimeError):
    """Options that cannot work together (e.g. ``send=True`` without an SMTP host)."""


class DigestDeliveryError(RuntimeError):
    """Raised by :meth:`DigestSummary.raise_for_failures`; what was delivered is recorded."""


def delivery_mode(settings: Settings, send: bool | None, outbox: Path | None, dry_run: bool) -> str:
    if send and outbox is not None:
        raise DigestError("choose either sending by SMTP or writing to an outbox, not both")
    if send and not settings.smtp_host:
        raise DigestError("sending needs an SMTP server: set RAQIB_SMTP_HOST (and PORT, USER, …)")
    if dry_run:
        return "dry-run"
    if outbox is not None or send is False or not settings.smtp_host:
        return "outbox"
    return "smtp"


def run_digests(
    settings: Settings | None = None,
    alerts_file: str | Path | None = None,
    since: str = "24h",
    send: bool | None = None,
    outbox: str | Path | None = None,
    dry_run: bool = False,
    client: Elasticsearch | None = None,
    alerts: list[Alert] | None = None,
    wait: float = 300,
) -> DigestSummary:
    """Build and deliver every alert's digest to every recipient; return what happened.

    For each alert and recipient: the articles indexed since that recipient's last
    digest of the alert (the first digest looks back ``since``, e.g. ``"24h"``),
    minus those already delivered, grouped by story, newest first. One e-mail per
    recipient and alert; none when nothing is new unless the alert has ``send_empty``.

    * ``settings``: default :func:`core.settings.load_settings` (``$RAQIB_HOME``, SMTP, …).
    * ``alerts_file``: default ``settings.alerts_file`` (``$RAQIB_ALERTS_FILE`` or
      ``config/alerts.yaml``); or pass validated ``alerts``.
    * ``send``: ``None`` → SMTP when ``RAQIB_SMTP_HOST`` is set, else the outbox;
      ``True`` → SMTP (error without a host); ``False`` → the outbox.
    * ``outbox``: write ``.eml`` files into this folder (default ``$RAQIB_HOME/outbox``).
    * ``dry_run``: build and render only; nothing is delivered or recorded.
    * ``client``: an Elasticsearch client (default :func:`indexing.client.get_client`).

    The ledger (:mod:`state.sent`, in the cluster) is recorded per message, only after the
    SMTP server accepted it or the file was written: when the server fails mid-run, the
    undelivered digests go out next run and the delivered ones are not repeated. One
    worker sends at a time (the ``digest`` lease; another one waits ``wait`` seconds).
    Delivery failures do not raise: check ``summary.ok`` / ``summary.failed``, or call
    ``summary.raise_for_failures()`` (e.g. in the Airflow task, so it fails and retries).

    Raises :class:`core.catalogue.alerts.AlertsConfigError` (bad alerts file),
    :class:`indexing.search.QueryError` (bad ``since``), :class:`DigestError` (bad options),
    :class:`state.leases.LeaseBusy` (another worker kept sending for ``wait`` s) and
    :class:`state.store.StateError` (cluster unreachable).
    """
    started = time.perf_counter()
    settings = settings or load_settings()
    catalogue = Catalogue(settings)
    alert_list = list(alerts) if alerts is not None else catalogue.alerts(alerts_file)
    first_since = parse_since(since)
    outbox_dir = Path(outbox) if outbox is not None else None
    mode = delivery_mode(settings, send, outbox_dir, dry_run)
    outbox_dir = outbox_dir or settings.outbox_dir
    summary = DigestSummary(mode=mode, outbox=outbox_dir if mode == "outbox" else None)
    if client is None:
        from indexing.client import get_client

        client = get_client(settings)
    labels = catalogue.labels()
    store = SentLedger(client)
    with Lease(client, "digest", ttl=900, wait=wait):
        from state.upgrade import import_legacy

        import_legacy(settings, client)
        now = datetime.now(UTC)
        sender: Outbox | SmtpSender | None = None
        if mode == "outbox":
            sender = Outbox(outbox_dir)
        elif mode == "smtp":
            sender = SmtpSender(settings)
        fatal: str | None = None
        rising = _rising_now(client, now)
        try:
            for alert in alert_list:
                try:
                    digests = build_digests(client, alert, store, first_since, now)
                except (QueryError, ApiError) as exc:  # this alert's search; the others go on
                    reason = f"alert {alert.name!r}: {failure_reason(exc)}"
                    log.warning("digest %s", reason)
                    summary.results += [RecipientResult(alert.name, r, "failed", error=reason)
                                        for r in alert.recipients]
                    continue
                for digest in digests:
                    digest.rising = rising_for(alert, rising)
                    result, fatal = _deliver(digest, settings, labels, sender, store, now, fatal)
                    summary.results.append(result)
        finally:
            if sender is not None:
                sender.close()
    summary.seconds = time.perf_counter() - started
    log.info("digest: %d sent, %d written, %d skipped, %d failed in %.1fs", summary.sent,
             summary.written, summary.skipped, summary.failed, summary.seconds)
    return summary


RISING_IN_DIGEST = 5


def _rising_now(client: Elasticsearch, now: datetime) -> list[dict]:
    """What rises today, for the digests' short "rising" section (none if it cannot tell)."""
    try:
        return trends(client, TrendRequest(since="7d", kinds=("topic", "place")), now)["rising"]
    except (QueryError, ApiError, TransportError) as exc:
        log.warning("no rising section: %s", exc)
        return []


def rising_for(alert: Alert, rising: list[dict]) -> list[dict]:
    """The alert's own rising topics and places (every rising topic if it names none)."""
    own = {("topic", t) for t in alert.topics} | {("place", p) for p in alert.places}
    return [r for r in rising if ((r["kind"], r["key"]) in own if own
                                  else r["kind"] == "topic")][:RISING_IN_DIGEST]


def failure_reason(exc: Exception) -> str:
    """One line: our own message, or what Elasticsearch said about the query."""
    if isinstance(exc, ApiError):
        info = exc.body.get("error", {}) if isinstance(exc.body, dict) else {}
        cause = (info.get("root_cause") or [info])[0] if isinstance(info, dict) else {}
        return (f"the cluster refused the search ({exc.meta.status}): "
                f"{str(cause.get('reason') or exc.message)[:300]}")
    return str(exc)


def _deliver(digest: Digest, settings: Settings, labels: Labels,
             sender: Outbox | SmtpSender | None, store: SentLedger, now: datetime,
             fatal: str | None) -> tuple[RecipientResult, str | None]:
    """Deliver one digest and record it; returns the result and the run's fatal error, if any."""
    alert = digest.alert
    result = RecipientResult(alert.name, digest.recipient, "skipped", digest.articles,
                             len(digest.stories))
    if digest.empty and not alert.send_empty:
        if sender is not None:
            store.record(alert.name, digest.recipient, now, [])
        return result, fatal
    msg = build_message(digest, settings, now, labels)
    result.subject = subject(digest)
    if sender is None:
        result.status = "dry-run"
        return result, fatal
    if fatal:
        result.status, result.error = "failed", fatal
        return result, fatal
    try:
        path = sender.deliver(msg, alert.name, digest.recipient, now)
    except DeliveryError as exc:
        log.warning("digest %r for %s not delivered: %s", alert.name, digest.recipient, exc)
        result.status, result.error = "failed", str(exc)
        return result, str(exc) if exc.fatal else None
    store.record(alert.name, digest.recipient, now, digest.article_ids, digest.counted_ids)
    result.status = "written" if isinstance(sender, Outbox) else "sent"
    result.path = path if isinstance(path, Path) else None
    return result, fatal
