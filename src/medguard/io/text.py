"""Plain text in chunks of whole lines, in bounded memory, with line and column numbers."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from medguard.errors import UnreadableInput
from medguard.io._common import _reason
from medguard.io.formats import detect_encoding

__all__ = ["TextChunk", "read_text"]

_TEXT_CHUNK_CHARS = 1 << 20


@dataclass(frozen=True)
class TextChunk:
    """A piece of a text file, normally whole lines.

    ``first_line`` is the 1-based number of ``text``'s first line, and ``first_column`` the
    0-based position of its first character in that line: not 0 only when a single line is
    longer than a chunk (minified JSON, a log without line breaks) and had to be cut.
    """

    text: str
    first_line: int
    first_column: int = 0


def read_text(path: Path, encoding: str | None = None) -> Iterator[TextChunk]:
    """The file's text in chunks of whole lines (about a million characters each).

    Line endings are read as ``\\n``. A line longer than a chunk is cut after a space or a
    punctuation mark near the chunk's end (hard, if it has none), so memory stays bounded.
    A character cut off by the end of the file (a file truncated with ``head -c``) reads as
    U+FFFD; an invalid byte anywhere else raises :class:`UnreadableInput`.
    """
    encoding = encoding or detect_encoding(path)
    line, column = 1, 0
    try:
        with path.open("rb") as f:
            blocks = _decoded_blocks(f, encoding)
            pending = ""
            while True:
                block = next(blocks, "")
                text = pending + block
                if not block:
                    if text:
                        yield TextChunk(text, line, column)
                    return
                cut = text.rfind("\n") + 1 or _soft_cut(text)
                chunk, pending = text[:cut], text[cut:]
                yield TextChunk(chunk, line, column)
                newlines = chunk.count("\n")
                line += newlines
                column = len(chunk) - chunk.rfind("\n") - 1 if newlines else column + len(chunk)
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableInput(str(path), f"cannot read as {encoding} ({_reason(exc)})") from None


def _decoded_blocks(f: BinaryIO, encoding: str) -> Iterator[str]:
    """The file's text in blocks, line endings as ``\\n``; an incomplete last character is
    replaced."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines = io.IncrementalNewlineDecoder(decoder, translate=True)
    while data := f.read(_TEXT_CHUNK_CHARS):
        if text := lines.decode(data):
            yield text
    try:
        text = lines.decode(b"", final=True)
    except UnicodeDecodeError:  # only what is left over at the end: an incomplete character
        decoder.errors = "replace"
        text = lines.decode(b"", final=True)
    if text:
        yield text


_SEPARATORS = frozenset(" \t，。；;,、")


def _soft_cut(text: str, window: int = 1024) -> int:
    """Where to cut a line with no break: after the last separator near the end, or the end."""
    for i in range(len(text) - 1, max(len(text) - window, 0) - 1, -1):
        if text[i] in _SEPARATORS:
            return i + 1
    return len(text)
