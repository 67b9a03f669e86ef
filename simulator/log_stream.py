"""A session log's bytes on disk: one gzip stream of JSON lines, flushed after every line.

What a log keeps is mostly text (the passages retrieved, the replies), which deflate shrinks
about four to one. Each line is compressed and flushed with ``Z_SYNC_FLUSH`` before the next is
written, so the file always ends on whole deflate blocks: a crash (or a pulled plug) leaves a
stream without its end, and :func:`decompress_into` reads it up to the last complete line. The
file is ordinary gzip: ``zcat`` shows it, ``gunzip`` complains only that the end is missing.
Logs written as plain JSONL (before compression) are read unchanged.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = 31
"""zlib's ``wbits`` for a gzip header and trailer (16 + a 32 KB window)."""
_CHUNK = 2**16


class CompressedLines:
    """Appends text lines to a file descriptor as one gzip stream; each :meth:`write` is on disk
    (in the OS's hands) when it returns."""

    def __init__(self, fd: int) -> None:
        self._file: BinaryIO = open(fd, "ab")  # noqa: SIM115 (close() closes it)
        self._zip = zlib.compressobj(6, zlib.DEFLATED, _GZIP_WBITS)

    def write(self, text: str) -> None:
        data = self._zip.compress(text.encode("utf-8")) + self._zip.flush(zlib.Z_SYNC_FLUSH)
        self._file.write(data)
        self._file.flush()

    def close(self) -> None:
        """End the stream (its trailer holds the checksum) and close the file."""
        try:
            self._file.write(self._zip.flush(zlib.Z_FINISH))
        finally:
            self._file.close()


@dataclass
class Decompressed:
    """How reading a compressed log went."""

    size: int = 0
    """Bytes of JSON lines it held."""
    complete: bool = False
    """The stream ended properly (the log was closed, not cut off by a crash)."""
    damage: str | None = None
    """Why reading stopped early, if the compressed data itself is damaged."""


class TooBig(Exception):
    """The decompressed log would pass the limit (a log, or a gzip bomb)."""


def is_compressed(file: BinaryIO) -> bool:
    """Whether ``file`` (at its start) is gzip; leaves the position where it was."""
    start = file.tell()
    magic = file.read(2)
    file.seek(start)
    return magic == GZIP_MAGIC


def decompress_into(
    source: BinaryIO,
    target: BinaryIO,
    *,
    max_bytes: int,
    progress: Callable[[int], None] | None = None,
) -> Decompressed:
    """Write what ``source`` (a gzip stream, possibly cut off or of several members) holds into
    ``target``, in bounded memory. Raises :class:`TooBig` past ``max_bytes`` of output;
    ``progress`` gets the compressed bytes read so far, about every megabyte of output.

    Damaged data stops the reading; everything before the damage is kept (the piece it falls
    in is inflated again byte by byte to find where it starts)."""
    outcome = Decompressed()
    unzip = zlib.decompressobj(_GZIP_WBITS)
    reported = 0
    data = b""
    while True:
        if not data:
            data = source.read(_SLICE)
            if not data:
                break
        if unzip.eof:  # another gzip member follows (a log appended to after a close)
            if not data.lstrip(b"\0"):
                data = b""
                continue
            unzip = zlib.decompressobj(_GZIP_WBITS)
        piece, data = data[:_SLICE], data[_SLICE:]
        before = unzip.copy()
        try:
            data = _inflate(unzip, piece, target, outcome, max_bytes) + data
        except zlib.error as e:
            outcome.damage = f"the compressed data is damaged ({e})"
            _inflate_to_damage(before, piece, target, outcome, max_bytes)
            break
        if progress is not None and outcome.size - reported >= 2**20:
            reported = outcome.size
            progress(source.tell())
    if outcome.damage is None:
        tail = unzip.flush()
        outcome.size += len(tail)
        target.write(tail)
        outcome.complete = unzip.eof
    return outcome


_SLICE = 2**12
"""Compressed bytes inflated at a time (what a damaged piece costs to inflate again)."""


def _inflate(
    unzip: zlib._Decompress, data: bytes, target: BinaryIO, outcome: Decompressed, max_bytes: int
) -> bytes:
    """Inflate ``data`` into ``target``; returns what follows the end of the member, if any."""
    while data:
        out = unzip.decompress(data, _CHUNK)
        data = unzip.unconsumed_tail
        outcome.size += len(out)
        if outcome.size > max_bytes:
            raise TooBig
        target.write(out)
        if unzip.eof:
            return unzip.unused_data
    return b""


def _inflate_to_damage(
    unzip: zlib._Decompress, data: bytes, target: BinaryIO, outcome: Decompressed, max_bytes: int
) -> None:
    """Inflate ``data`` a byte at a time up to the byte that fails."""
    for at in range(len(data)):
        try:
            _inflate(unzip, data[at : at + 1], target, outcome, max_bytes)
        except zlib.error:
            return


def owner_only_fd(path: os.PathLike[str] | str) -> int:
    """A descriptor for appending to ``path``, made (or tightened to) owner-only: a rehearsal
    holds customer names, deals, maybe what someone typed by mistake."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    return fd
