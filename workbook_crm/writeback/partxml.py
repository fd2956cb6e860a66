"""Small byte-level XML helpers for package parts: one start tag's attributes, escaping, part
names and relationship targets, inserting an element before a root's end tag. No DOM: the parts we
touch are edited as text so that every other byte stays as it was.
"""

from __future__ import annotations

import posixpath
import re
from xml.sax.saxutils import escape, quoteattr

from ..errors import UnreadableWorkbook

_ATTR_RE = re.compile(rb'([\w:]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def attrs(tag: bytes) -> dict[str, str]:
    """Attributes of one start tag (entities unescaped), by a byte regex: no DOM for one tag."""
    out = {}
    for m in _ATTR_RE.finditer(tag):
        raw = m.group(2) if m.group(2) is not None else m.group(3)
        out[m.group(1).decode()] = unescape(raw.decode("utf-8"))
    return out


def unescape(text: str) -> str:
    if "&" not in text:
        return text
    text = re.sub(r"&#x([0-9a-fA-F]+);", lambda m: chr(int(m.group(1), 16)), text)
    text = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def xml_attr(value: str) -> str:
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def resolve(base_part: str, target: str) -> str:
    """A relationship target as a zip member name (targets are relative to the source part's folder)."""
    if target.startswith("/"):
        return target.lstrip("/")
    folder = posixpath.dirname(base_part)
    return posixpath.normpath(posixpath.join(folder, target))


def rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def relative(from_part: str, to_part: str) -> str:
    return posixpath.relpath(to_part, posixpath.dirname(from_part) or ".")


def root_prefix(data: bytes, local: bytes) -> bytes:
    """The root element's prefix with its colon (``b"ns0:"``), or b"": what we insert must be in the
    root's namespace, and ElementTree-based writers bind it to a prefix instead of the default."""
    m = re.search(rb"<(\w+:)?" + local + rb"\b", data)
    return (m.group(1) or b"") if m else b""


def insert_before_close(data: bytes, local: bytes, element: bytes) -> bytes:
    """Insert before ``</local>`` (any prefix), or expand a self-closed root ``<local .../>``."""
    m = None
    for found in re.finditer(rb"</(\w+:)?" + local + rb"\s*>", data):
        m = found
    if m is not None:
        return data[: m.start()] + element + data[m.start() :]
    m = re.search(rb"<((?:\w+:)?" + local + rb")\b([^>]*?)/>", data)
    if m is None:
        raise UnreadableWorkbook(detail=f"no <{local.decode()}> element")
    return (
        data[: m.start()]
        + b"<"
        + m.group(1)
        + m.group(2)
        + b">"
        + element
        + b"</"
        + m.group(1)
        + b">"
        + data[m.end() :]
    )


__all__ = [
    "attrs",
    "unescape",
    "escape",
    "xml_attr",
    "resolve",
    "rels_name",
    "relative",
    "root_prefix",
    "insert_before_close",
]
