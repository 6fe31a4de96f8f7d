"""Reading an import file section by section, without holding the document in memory.

`stream_sections` walks the top level of the JSON object with ijson (its C backend, yajl2_c,
where the wheel has it) and hands each section over as an iterator of its records, built one at a
time, so memory holds one record of the file at a time, whatever its size. Sections may come in
any order (a JSON object's members have none); exchange.md promises none either.

`document_sections` does the same for a document already in memory (tests, `flask seed`).
"""
from __future__ import annotations

import codecs
import json
import re
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from itertools import islice, takewhile
from operator import ne
from pathlib import Path
from typing import IO, Any

import ijson

from app.common.errors import ValidationError
from app.exchange.importer.sections import SECTIONS

BOM = b"\xef\xbb\xbf"
BUF_SIZE = 256 * 1024
EXACT_POSITION_LIMIT = 16 * 1024 * 1024  # below this a bad file is read again by json for its position
RECORDS_PER_FEED = 4096  # parser events handed to the item builder at a time
_END = object()
NOT_AN_OBJECT = "the document must be a JSON object with sections like \"providers\""
Sections = Iterator[tuple[str, Any]]


def _unknown(key: Any) -> ValidationError:
    return ValidationError("$", f"unknown section {str(key)[:40]!r} (expected {', '.join(SECTIONS)})")


def document_sections(doc: Any) -> Sections:
    """The sections of a parsed document, in the order of SECTIONS."""
    if not isinstance(doc, dict):
        raise ValidationError("$", NOT_AN_OBJECT)
    for key in doc:
        if key not in SECTIONS:
            raise _unknown(key)
    for key, value in doc.items():
        if value is not None and not isinstance(value, list):
            raise ValidationError(key, "must be a list")
    for name in SECTIONS:
        yield name, doc.get(name) or []


def stream_sections(stream: IO[bytes]) -> Sections:
    """(name, records) per section in the order of the file; exhaust each before taking the next.

    Only the top level is walked here in Python; ijson builds each record in C (`_records`)."""
    events = ijson.parse(stream, buf_size=BUF_SIZE)
    start = next(events, None)
    if start is None or start[1] != "start_map":
        raise ValidationError("$", NOT_AN_OBJECT)
    seen: set[str] = set()
    for _prefix, event, name in events:
        if event == "end_map":
            _expect_end(events)
            return
        if name not in SECTIONS:
            raise _unknown(name)
        if name in seen:
            raise ValidationError(name, "the section appears twice in the document")
        seen.add(name)
        _prefix, kind, _value = next(events)
        if kind == "null":
            yield name, iter(())
        elif kind == "start_array":
            yield name, _records(events, name)
        else:
            raise ValidationError(name, "must be a list")


def _records(events, name: str) -> Iterator[Any]:
    """The section's records, built in C: the parser's events of the section go to ijson's item
    builder through C-level iterators (map over its send), with no Python code per event; the
    section ends at its closing bracket, where the top level takes the events over again."""
    built = ijson.sendable_list()
    builder = ijson.get_backend(ijson.backend).items_basecoro(built, f"{name}.item")
    feed = map(builder.send, takewhile(partial(ne, (name, "end_array", None)), events))
    while True:
        deque(islice(feed, RECORDS_PER_FEED - 1), maxlen=0)
        done = next(feed, _END) is _END
        yield from built
        del built[:]
        if done:
            return


def _expect_end(events) -> None:
    """Nothing but white space after the document: the parser raises on anything else."""
    next(events, None)


class Source:
    """An import file by path or as an open binary stream, readable again to place a syntax error."""

    def __init__(self, path_or_stream: str | Path | IO[bytes]):
        self.path = None if hasattr(path_or_stream, "read") else Path(path_or_stream)  # type: ignore[arg-type]
        self.stream = None if self.path else path_or_stream
        self.start = _tell(self.stream) if self.stream is not None else None

    @property
    def name(self) -> str:
        return self.path.name if self.path else str(getattr(self.stream, "name", "") or "")

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """The content from its first byte after a UTF-8 BOM; an unreadable file is a `$` error."""
        if self.path is None:
            yield _without_bom(self.stream)
            return
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 (closed below)
        except OSError as exc:
            raise ValidationError("$", f"cannot read {self.path}: {exc.strerror or exc}") from None
        with handle:
            yield _without_bom(handle)

    def rereadable(self) -> bool:
        return self.path is not None or self.start is not None

    def size(self) -> int | None:
        if self.path is not None:
            return self.path.stat().st_size
        if self.start is None:
            return None
        end = self.stream.seek(0, 2)
        self.stream.seek(self.start)
        return end - self.start

    def reopen(self):
        if self.stream is not None:
            self.stream.seek(self.start)
        return self.open()


def _tell(stream) -> int | None:
    try:
        return stream.tell() if stream.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


class _Prefixed:
    """A stream with its first bytes read ahead (to look for a BOM) and served again."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        head, self.head = self.head, b""
        if head and 0 < size <= len(head):
            head, self.head = head[:size], head[size:]
            return head
        data = self.rest.read(size - len(head) if size > 0 else -1)
        return head + (data.encode("utf-8") if isinstance(data, str) else data)


def _without_bom(stream) -> IO[bytes]:
    head = stream.read(len(BOM))
    if isinstance(head, str):
        head = head.encode("utf-8")
    return _Prefixed(b"" if head == BOM else head, stream)  # type: ignore[return-value]


def syntax_error(source: Source, exc: Exception) -> ValidationError:
    """The `$` error for a file that is not UTF-8 JSON, with the line and column where it breaks."""
    if "invalid bytes in UTF8" in str(exc) or isinstance(exc, UnicodeDecodeError):
        return ValidationError("$", "the file is not UTF-8")
    if not source.rereadable():
        return ValidationError("$", f"invalid JSON ({_first_line(exc)})")
    size = source.size()
    try:
        if size is not None and size <= EXACT_POSITION_LIMIT:
            position = _position_by_json(source)
        else:
            position = _position_by_ijson(source)
    except UnicodeDecodeError:
        return ValidationError("$", "the file is not UTF-8")
    if position is None:
        return ValidationError("$", f"invalid JSON ({_first_line(exc)})")
    return ValidationError("$", f"invalid JSON at line {position[0]} column {position[1]}")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:100] if str(exc).strip() else type(exc).__name__


def _position_by_json(source: Source) -> tuple[int, int] | None:
    """What json.loads says (the messages of the importer before it streamed)."""
    with source.reopen() as stream:
        text = stream.read().decode("utf-8")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.lineno, exc.colno
    return None


def _position_by_ijson(source: Source) -> tuple[int, int] | None:
    """For a big file: ijson's pure-Python parser names the offset of the symbol it stops at."""
    from ijson.backends import python as slow

    with source.reopen() as stream:
        try:
            for _event in slow.basic_parse(stream, buf_size=BUF_SIZE):
                pass
        except ijson.IncompleteJSONError as exc:
            if "Incomplete JSON content" not in str(exc):
                return None
            offset = None  # the end of the file
        except ijson.JSONError as exc:
            found = re.search(r" at (\d+)$", str(exc))
            if not found:
                return None
            offset = int(found.group(1))
        else:
            return None
    return _line_and_column(source, offset)


def _line_and_column(source: Source, offset: int | None) -> tuple[int, int]:
    """Line and column (1-based, in characters) of a character offset, or of the end if None."""
    line, column, seen = 1, 1, 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    with source.reopen() as stream:
        while (data := stream.read(BUF_SIZE)):
            chunk = decoder.decode(data)
            if offset is not None and seen + len(chunk) > offset:
                chunk = chunk[:offset - seen]
            lines = chunk.count("\n")
            line += lines
            column = len(chunk) - chunk.rfind("\n") if lines else column + len(chunk)
            seen += len(chunk)
            if offset is not None and seen >= offset:
                break
    return line, column
