"""Page-level sanity checks made before extraction: binary bodies, hopeless markup."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")
_SWALLOWED = re.compile(r"<\s*(?:p|div|h1|h2|article|table|td)\b", re.I)


def is_binary(body: bytes, sample: int = 4096) -> bool:
    """True for bodies that are not text whatever their Content-Type says.

    A NUL byte or more than 5 % control characters in the first bytes gives it
    away (UTF-16 pages, which legitimately contain NULs, are recognised by their BOM).
    """
    head = body[:sample]
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head or len(_CONTROL.findall(head)) > 0.05 * len(head)


def looks_malformed(tree: HtmlElement) -> bool:
    """True when broken markup hid the page's content from the parser.

    Two signatures: tag fragments left over as visible text (``<head<title>``,
    ``>>>``), or the content swallowed by an unterminated comment/script.
    """
    visible = "".join(tree.xpath("//body//text()[not(ancestor::script or ancestor::style)]"))
    if visible.count("<") + visible.count(">") >= 3:
        return True
    hidden = " ".join(
        (node.text or "")
        for node in tree.iter()
        if not isinstance(node.tag, str) or node.tag in ("script", "style")
    )
    return bool(_SWALLOWED.search(hidden)) and len(visible.strip()) < 200
