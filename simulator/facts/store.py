"""The knowledge folder's facts, extracted once per file version and kept on disk.

Extraction is cheap next to embedding, but a folder of a few hundred files still should not be
read again at every start. Like the index, the store is incremental: each file's facts are saved
as one JSON file named after the file's path and content hash, so an unchanged file is read back,
a changed file is extracted again, and the records of removed or changed files are deleted.
Unreadable files are skipped (the index reports them to the user; the claim check simply has
no facts from them).

Blocking (disk): async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from simulator.errors import DocumentError
from simulator.facts.extract import extract_document, extract_markdown
from simulator.facts.model import EXTRACTOR_VERSION, Fact, FileFacts
from simulator.knowledge.documents import (
    KnowledgeFile,
    content_hash,
    load_document,
    scan_folder,
)

log = logging.getLogger(__name__)

_MARKDOWN = (".md", ".markdown")


@dataclass(frozen=True)
class FactStore:
    """Every file's facts; :meth:`load` builds it from a folder (reusing a cache)."""

    files: tuple[FileFacts, ...]

    @property
    def facts(self) -> list[Fact]:
        return [f for file in self.files for f in file.facts]

    @classmethod
    def load(cls, knowledge_dir: Path, cache_dir: Path | None = None) -> FactStore:
        """Facts of every readable file in ``knowledge_dir``; with ``cache_dir``, unchanged
        files are read from it and new extractions are written to it."""
        files: list[FileFacts] = []
        kept: set[str] = set()
        scan = scan_folder(knowledge_dir)
        if cache_dir is not None:  # one folder per knowledge folder, so pruning spares the others
            folder = str(Path(knowledge_dir).resolve())
            cache_dir = Path(cache_dir) / hashlib.sha256(folder.encode()).hexdigest()[:24]
        for file in scan.files:
            try:
                data = file.path.read_bytes()
            except OSError:
                continue
            digest = content_hash(data)
            name = _cache_name(file.source, digest)
            cached = _read(cache_dir / name) if cache_dir else None
            if cached is None:
                try:
                    cached = extract_file(file, data, digest)
                except DocumentError:
                    continue
                if cache_dir is not None:
                    _write(cache_dir / name, cached)
            kept.add(name)
            files.append(cached)
        if cache_dir is not None:
            _prune(cache_dir, kept)
        return cls(tuple(files))

    @classmethod
    def of(cls, files: Sequence[FileFacts]) -> FactStore:
        return cls(tuple(files))


def extract_file(file: KnowledgeFile, data: bytes, digest: str | None = None) -> FileFacts:
    """One file's facts; raises :class:`DocumentError` when it cannot be read."""
    digest = digest or content_hash(data)
    document = load_document(file, data)  # the same checks (encoding, front matter) as the index
    if file.path.suffix.lower() in _MARKDOWN:
        return extract_markdown(file.source, digest, data.decode("utf-8-sig"))
    return extract_document(document, digest)


def _cache_name(source: str, digest: str) -> str:
    key = hashlib.sha256(f"{EXTRACTOR_VERSION}\0{source}\0{digest}".encode()).hexdigest()[:32]
    return f"{key}.json"


def _read(path: Path) -> FileFacts | None:
    try:
        return FileFacts.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None


def _write(path: Path, facts: FileFacts) -> None:
    """Written to a temporary name first, so a crash never leaves half a file under the real one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_text(facts.model_dump_json(), encoding="utf-8")
        partial.replace(path)
    except OSError as e:  # a read-only data dir: the check still works, only slower next time
        log.warning("cannot cache the facts of %s in %s: %s", facts.source, path.parent, e)


def _prune(cache_dir: Path, kept: set[str]) -> None:
    if not cache_dir.is_dir():
        return
    for path in cache_dir.iterdir():
        if path.suffix in (".json", ".partial") and path.name not in kept:
            try:
                path.unlink()
            except OSError:
                pass
