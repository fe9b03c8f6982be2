"""Daily alert e-mails from saved searches.

``config`` (alerts.yaml) → ``build`` (new articles per recipient, grouped by story)
→ ``render`` (RTL HTML + plain text) → ``deliver`` (SMTP or outbox), with ``state``
(last digest times and the sent ledger). The entry point is
:func:`alerts.digest.run_digests`.
"""
