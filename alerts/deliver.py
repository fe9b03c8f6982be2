"""Delivery: SMTP from the settings, or ``.eml`` files in an outbox folder.

Both raise :class:`DeliveryError` when a message did not get through; the caller
records a digest as delivered only when ``deliver`` returned. The SMTP password is
handed to ``smtplib`` and never appears in messages or logs.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from core.settings import Settings

log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class DeliveryError(RuntimeError):
    """A message was not accepted. ``fatal``: the server cannot be used at all this run."""

    def __init__(self, message: str, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


class Outbox:
    """Writes each message as ``<time>-<alert>-<recipient>-<hash>.eml`` (atomically)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def deliver(self, msg: EmailMessage, alert: str, recipient: str, when: datetime) -> Path:
        digest = hashlib.sha1(f"{alert}\0{recipient}".encode()).hexdigest()[:8]
        slug = _UNSAFE.sub("-", alert).strip("-.")[:40] or "alert"
        who = _UNSAFE.sub("-", recipient.replace("@", "_at_")).strip("-.")[:60]
        path = self.folder / f"{when:%Y%m%dT%H%M%SZ}-{slug}-{who}-{digest}.eml"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".eml.tmp")
            tmp.write_bytes(msg.as_bytes())
            os.replace(tmp, path)
        except OSError as exc:
            raise DeliveryError(f"cannot write {path}: {exc.strerror}", fatal=True) from None
        return path

    def close(self) -> None:
        """Nothing to release (same interface as :class:`SmtpSender`)."""


class SmtpSender:
    """One SMTP session for the run, opened on the first message, reopened if dropped."""

    def __init__(self, settings: Settings, timeout: float = 60.0) -> None:
        if not settings.smtp_host:
            raise DeliveryError("no SMTP server configured (set RAQIB_SMTP_HOST)", fatal=True)
        self.settings = settings
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.smtp_port}"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.smtp_port == 465 and not s.smtp_starttls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=self.timeout,
                    context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout)
            try:
                smtp.ehlo()
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password or "")
            except BaseException:
                smtp.close()
                raise
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP server {self.where} refused the login of "
                                f"{s.smtp_user!r}: {exc.smtp_code} {_text(exc.smtp_error)}",
                                fatal=True) from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"cannot use SMTP server {self.where}: {_describe(exc)}",
                                fatal=True) from None
        log.info("connected to SMTP server %s", self.where)
        return smtp

    def deliver(self, msg: EmailMessage, alert: str, recipient: str, when: datetime) -> None:
        """Send one message; returns only when the server accepted it.

        Never retried here: a message whose fate is unknown is sent again next run
        rather than risk marking it delivered.
        """
        if self._smtp is None or self._smtp.sock is None:  # first message, or server hung up
            self._drop()
            self._smtp = self._connect()
        try:
            self._smtp.send_message(msg, to_addrs=[recipient])
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise DeliveryError(f"SMTP server {self.where} dropped the connection: "
                                f"{_describe(exc)}") from None
        except smtplib.SMTPException as exc:
            if getattr(exc, "smtp_code", None) == 421:  # service closing the channel
                self._drop()
            raise DeliveryError(f"SMTP server {self.where} did not accept the message for "
                                f"{recipient}: {_describe(exc)}") from None

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        """QUIT politely; a server that is already gone is not an error."""
        if self._smtp is None:
            return
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self._smtp.quit()
        self._drop()


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{r}: {code} {_text(m)}" for r, (code, m) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc) or type(exc).__name__
