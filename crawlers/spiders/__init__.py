"""Scrapy spiders: one generic, config-driven spider (:mod:`crawlers.spiders.outlet`)."""
