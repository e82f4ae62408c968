"""Read a source file's bytes and decode them the way Python would.

Returns UTF-8 bytes ready for the parser, or a ParseProblem saying why the file
cannot be read: permission denied, a symlink loop, a NUL byte, an unknown or
wrong encoding. BOMs and PEP 263 coding cookies are honoured.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from remediator.domain.facts import ParseProblem
from remediator.domain.findings import UNREADABLE_FILE

_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def read_source(path: Path) -> bytes | ParseProblem:
    """The file's text as UTF-8 bytes (BOM removed), or why it cannot be had."""
    try:
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return ParseProblem(UNREADABLE_FILE, f"cannot read file: {reason}", 1, 1)
    return decode_source(data)


def decode_source(data: bytes) -> bytes | ParseProblem:
    """Decode `data` as Python source; see read_source."""
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _position(data, nul)
        return ParseProblem(UNREADABLE_FILE, "source contains a NUL byte", line, column)
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        declared = _declared_encoding(data)
        if declared is not None and not _names_utf8_for_bom(declared):
            return ParseProblem(UNREADABLE_FILE, f"a UTF-8 BOM conflicts with the coding cookie ({declared})", 1, 1)
    else:
        declared = _declared_encoding(data)
        if declared is not None:
            encoding = declared
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        return ParseProblem(UNREADABLE_FILE, f"unknown encoding in coding cookie: {encoding}", 1, 1)
    try:
        text = data.decode(codec.name)
    except UnicodeDecodeError as error:
        line, column = _position(data, error.start)
        return ParseProblem(
            UNREADABLE_FILE,
            f"cannot decode as {codec.name}: {error.reason} (byte 0x{data[error.start]:02x})",
            line,
            column,
        )
    if codec.name != "utf-8":
        data = text.encode("utf-8")
    if b"\r" in data:  # Python treats a lone CR as a line break; tree-sitter does not
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


def _names_utf8_for_bom(declared: str) -> bool:
    """Whether CPython's tokenizer takes a cookie beside a UTF-8 BOM: only `utf-8` (any case, `_` for `-`) or
    `utf-8-*`; `utf8`, which codecs would accept, is an "encoding problem: utf8 with BOM"."""
    name = declared[:12].lower().replace("_", "-")
    return name == "utf-8" or name.startswith("utf-8-")


def _declared_encoding(data: bytes) -> str | None:
    """The PEP 263 cookie on line 1 or 2, if any."""
    if b"coding" not in data[:400]:
        return None
    lines = data.split(b"\n", 2)[:2]
    for index, line in enumerate(lines):
        match = _COOKIE.match(line)
        if match:
            return match.group(1).decode("ascii", "replace")
        stripped = line.strip()
        if index == 0 and stripped and not stripped.startswith(b"#"):
            break  # the cookie may only be on line 2 when line 1 is a comment or blank
    return None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1
