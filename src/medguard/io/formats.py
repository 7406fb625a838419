"""Which format a file holds and which text encoding it is in, judged from its bytes.

Formats go by extension (:data:`TABLE_FORMATS`); a file with no known extension is text,
or binary (skipped) when :func:`looks_binary` says so. Encodings: UTF-8 (with or without a
byte-order mark), UTF-16 (with one, or recognized by its zero bytes), GB18030 (read for GBK
and GB2312 too) and Big5 (:func:`detect_encoding`).
"""

from __future__ import annotations

import codecs
import contextlib
import re
from pathlib import Path

from medguard.errors import UnreadableInput

__all__ = ["BINARY_SHARE", "TABLE_FORMATS", "detect_encoding", "file_format", "looks_binary"]

#: Formats read as tables; everything else readable is text.
TABLE_FORMATS = frozenset({"csv", "tsv", "xlsx", "parquet", "jsonl"})
_BY_SUFFIX = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl",
}  # fmt: skip
_SNIFF_BYTES = 64 * 1024
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def file_format(path: Path) -> str:
    """``csv``, ``tsv``, ``xlsx``, ``parquet``, ``jsonl``, ``text``, ``binary`` (skipped) or
    ``empty`` (0 bytes, or only a byte-order mark and white space: clean, nothing to read)."""
    if _is_empty(path):
        return "empty"
    known = _BY_SUFFIX.get(path.suffix.lower())
    if known is not None:
        return known
    return "binary" if looks_binary(_head(path, 8192)) else "text"


def _is_empty(path: Path) -> bool:
    """0 bytes; or, for a small file, nothing but a byte-order mark and white space."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableInput(str(path), f"cannot read ({exc.strerror or exc})") from None
    if size == 0:
        return True
    if size > _SNIFF_BYTES:
        return False
    data = _head(path, size)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return not data.decode("utf-16").strip()
        except UnicodeDecodeError:
            return False
    return not data.removeprefix(codecs.BOM_UTF8).strip()


def _head(path: Path, size: int) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(size)
    except OSError as exc:
        raise UnreadableInput(str(path), f"cannot read ({exc.strerror or exc})") from None


# Control bytes a text file does not hold: all below 0x20 but tab, line feed, vertical tab,
# form feed, carriage return and escape (ANSI colours in logs), and DEL.
_CONTROL = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
#: The share of odd bytes above which a file's head is binary (see :func:`looks_binary`).
BINARY_SHARE = 0.10


def looks_binary(head: bytes) -> bool:
    """Whether a file starting with ``head`` (its first 8 KB) is binary, judged by proportion.

    UTF-16 text (with a byte-order mark, or recognized by its zero bytes, see
    :func:`_utf16_variant`) is text. Otherwise the head is binary when more than
    :data:`BINARY_SHARE` (10%) of it is *odd* and at least half of that is control bytes. Odd
    bytes are control bytes (other than tab, line breaks, form feed and escape) plus the
    bytes that are text neither in UTF-8 nor in GB18030 (counted in whichever reads more).

    So a stray NUL, or a few hundred padding bytes in a log, do not make a file binary (it is
    read and scanned), and neither does text in an unknown encoding with no control bytes (it
    is read, and fails as unreadable: never skipped unread). Compressed data, images and
    executables are skipped: random bytes are about 10% control bytes and 12% that GB18030
    cannot read. The threshold is lower than Perl's classic 30% because that one counts every
    non-ASCII byte, and Chinese text is mostly non-ASCII; here valid UTF-8 or GB18030 is text.
    """
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_variant(head):
        return False
    control = len(head) - len(head.translate(None, _CONTROL))
    if control * 2 < BINARY_SHARE * len(head):
        return False
    unreadable = min(_undecodable(head, "utf-8"), _undecodable(head, "gb18030"))
    return control + unreadable > BINARY_SHARE * len(head)


def _undecodable(data: bytes, encoding: str) -> int:
    """About how many bytes of ``data`` are not text in ``encoding`` (an incomplete character
    at the very end is not counted)."""
    text = data.decode(encoding, errors="replace")
    bad = text.count("\ufffd")
    if bad and text.endswith("\ufffd"):
        bad -= 1
    return bad


def _utf16_variant(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` for UTF-16 text without a byte-order mark, else None.

    ASCII characters (digits, punctuation, line breaks) are one zero byte and one non-zero
    byte in UTF-16, so a UTF-16-LE head has zero bytes at odd positions and almost none at even
    ones (BE the reverse); binary data has zeros at both. Text holding no ASCII character at
    all (not even a line break) cannot be told this way. The head must also decode, with few
    control characters.
    """
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even = head[0 : 2 * pairs : 2].count(0)
    odd = head[1 : 2 * pairs : 2].count(0)
    for encoding, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros >= max(2, pairs // 50) and other * 20 <= zeros:
            data = head[: 2 * pairs]
            text = None
            for cut in (0, 2):  # the head may end inside a surrogate pair
                with contextlib.suppress(UnicodeDecodeError):
                    text = data[: len(data) - cut].decode(encoding)
                    break
            if text is None:
                continue
            control = sum((ch < " " and ch not in "\t\n\r\f\v\x1b") or ch == "\x7f" for ch in text)
            if control <= BINARY_SHARE * len(text):
                return encoding
    return None


def detect_encoding(path: Path) -> str:
    """The text encoding of ``path``: ``utf-8``, ``utf-8-sig``, ``utf-16`` (with a byte-order
    mark), ``utf-16-le`` or ``utf-16-be`` (without one), ``gb18030`` or ``big5``.

    Judged on a sample of the file's non-ASCII stretches (see :func:`_non_ascii_sample`). UTF-8
    wins when the sample is valid UTF-8 and reads as Chinese at least as well as it does in
    GB18030. Otherwise GB18030 (read for GBK and GB2312 too, its subsets, so rare characters in
    names still decode) or Big5, whichever reads as more Chinese text; charset-normalizer breaks
    a tie.
    """
    head = _head(path, 8192)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    variant = _utf16_variant(head)
    if variant is not None:
        return variant
    sample = _non_ascii_sample(path)
    truncated = not sample.endswith(b"\n")  # the sample may end inside a character
    if _decodes(sample, "utf-8", truncated):
        # A GBK file can be valid UTF-8 by chance (住 is D7 A1, Hebrew ס in UTF-8): keep UTF-8
        # unless GB18030 reads the sample as more Chinese-looking text.
        if not _decodes(sample, "gb18030", truncated) or _han_share(sample, "utf-8") >= _han_share(
            sample, "gb18030"
        ):
            return "utf-8"
        return "gb18030"
    candidates = [e for e in ("gb18030", "big5") if _decodes(sample, e, truncated)]
    if not candidates:
        raise UnreadableInput(str(path), "not text in a known encoding (UTF-8, GB18030, Big5)")
    if len(candidates) == 2:  # the one reading more Chinese text; then the less chaotic
        gb, big5 = _han_share(sample, "gb18030"), _han_share(sample, "big5")
        if big5 != gb:
            return "big5" if big5 > gb else "gb18030"
        from charset_normalizer import from_bytes

        chaos = {str(m.encoding): m.chaos for m in from_bytes(sample, cp_isolation=candidates)}
        if chaos.get("big5", 1.0) < chaos.get("gb18030", 1.0):
            return "big5"
    return candidates[0]


_SNIFF_STRETCHES = 16
_SNIFF_NON_ASCII = 4096
_ASCII_BYTES = bytes(range(128))


def _non_ascii_sample(path: Path) -> bytes:
    """Stretches of the file holding non-ASCII bytes, joined (empty for an ASCII file).

    An export often starts with ASCII only (a header, codes, dates) and its Chinese text comes
    later; and a first stretch with only a few non-ASCII characters (a © or a UTF-8 header row
    over GBK data) says little. So the file is read on, in blocks (memory stays bounded, and
    the file is read at most once), until the stretches hold 4 KB of non-ASCII bytes, or there
    are 16 of them, or the file ends: a Chinese text file stops in its first block.

    Each stretch starts at a character boundary (everything before it since the last stretch
    is ASCII) and, when it holds a line break, ends after its last one: the next search starts
    on a boundary again. The sample may end inside a character only where it does not end with
    a line break.
    """
    stretches: list[bytes] = []
    non_ascii = 0
    buffer, at_end = b"", False  # buffer starts at a character boundary
    try:
        with path.open("rb") as f:
            while len(stretches) < _SNIFF_STRETCHES and non_ascii < _SNIFF_NON_ASCII:
                if len(buffer) < _SNIFF_BYTES and not at_end:
                    block = f.read(1 << 20)
                    at_end = not block
                    buffer += block
                    continue
                found = None if buffer.isascii() else _NON_ASCII.search(buffer)
                if found is None:
                    if at_end:
                        break
                    buffer = b""
                    continue
                stretch = buffer[found.start() : found.start() + _SNIFF_BYTES]
                end = stretch.rfind(b"\n") + 1
                stretches.append(stretch[:end] if end else stretch)
                non_ascii += len(stretch[:end].translate(None, _ASCII_BYTES)) if end else 0
                if not end:  # no line break: the next search would not start on a boundary
                    break
                buffer = buffer[found.start() + end :]
    except OSError as exc:
        raise UnreadableInput(str(path), f"cannot read ({exc.strerror or exc})") from None
    return b"".join(stretches)


def _han_share(data: bytes, encoding: str) -> float:
    """Share of the non-ASCII characters that are Chinese characters or CJK punctuation."""
    text = data.decode(encoding, errors="ignore")
    wide = [ch for ch in text if ord(ch) > 127]
    if not wide:
        return 1.0
    chinese = sum(
        "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
        for ch in wide
    )
    return chinese / len(wide)


def _decodes(data: bytes, encoding: str, truncated: bool) -> bool:
    for cut in range(4 if truncated else 1):
        try:
            data[: len(data) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False
