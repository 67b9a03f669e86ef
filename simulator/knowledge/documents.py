"""Turn a knowledge folder (Markdown, text, PDF, CSV) into scoped passages, skipping bad files.

The folder is user-edited: a sales team drops in whatever it has. One unreadable file must not
stop the rest from loading, so every per-file failure becomes a :class:`DocumentError` naming the
file and the reason, collected beside the loaded documents. Only a missing folder stops the run
(:class:`KnowledgeError`).

Scope: a document in a first-level sub-folder named after an agent (``technical/``, ``pricing/``,
``greeter/``) serves only that agent; front matter ``agents: [technical, pricing]`` names the
agents explicitly (and wins over the folder); everything else serves every agent.

The folder is also untrusted: the scan never leaves it (a link to a file outside it, such as
``junk/shadow.txt -> /etc/passwd``, is skipped with a warning naming it), sub-folders it cannot
open are named, and :class:`Limits` caps what one file may cost (a 50 MB text is indexed up to
the cap, a million-row CSV up to its row cap, each with a warning), so no file can take minutes
and gigabytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from simulator.errors import DocumentError, KnowledgeError
from simulator.knowledge.chunking import TextChunk, chunk_lines, chunk_markdown, chunk_plain

AGENTS: tuple[str, ...] = ("greeter", "technical", "pricing")
MAX_FILE_MB_SETTING = "SIMULATOR_MAX_FILE_MB"
MAX_CSV_ROWS_SETTING = "SIMULATOR_MAX_CSV_ROWS"


@dataclass(frozen=True)
class Limits:
    """What one knowledge file may cost; past a cap the file is cut there, with a warning."""

    max_file_mb: float = 10.0
    """Bytes of one file that are read (a PDF past it is skipped: a cut PDF is unreadable)."""
    max_csv_rows: int = 50_000
    """Rows of one CSV that are indexed and used for look-ups."""

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


SUPPORTED_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".pdf", ".csv"})
CSV_ROWS_PER_CHUNK = 5
KNOWLEDGE_HINT = "pass --knowledge DIR or set SIMULATOR_KNOWLEDGE"

_STOCK_COUNT = re.compile(r"\d+(?:\.0*)?|")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


@dataclass(frozen=True)
class Chunk:
    """One passage of one document, with where it came from and who may see it."""

    source: str
    """Path relative to the knowledge folder, forward slashes."""
    section: str
    text: str
    agents: frozenset[str] | None
    """The agents this passage serves; ``None`` means every agent."""


@dataclass(frozen=True)
class Document:
    source: str
    content_hash: str
    agents: frozenset[str] | None
    chunks: tuple[Chunk, ...]
    warnings: tuple[str, ...] = ()
    """What was left out of a file that was otherwise indexed (rows past the cap, bad rows)."""


@dataclass(frozen=True)
class KnowledgeFile:
    """A file the loader will read (supported type, not hidden, inside the folder)."""

    path: Path
    source: str
    root: Path | None = None
    """The knowledge folder: reading refuses a path that resolves outside it."""

    def read(self, limits: Limits | None = None) -> tuple[bytes, str | None]:
        """The file's bytes up to ``limits.max_file_bytes`` and, if it was cut, a warning.
        Raises ``OSError`` (unreadable) or :class:`DocumentError` (out of bounds)."""
        limits = limits or Limits()
        if self.root is not None and not self.path.resolve().is_relative_to(self.root):
            raise DocumentError(self.source, "a link to a file outside the knowledge folder")
        cap = limits.max_file_bytes
        with open(self.path, "rb") as handle:
            data = handle.read(cap + 1)
            if len(data) <= cap:
                return data, None
            size = os.fstat(handle.fileno()).st_size
        if self.path.suffix.lower() == ".pdf":
            raise DocumentError(
                self.source,
                f"the PDF is {size / 1024**2:,.1f} MB, over the {limits.max_file_mb:g} MB limit "
                f"({MAX_FILE_MB_SETTING}); split it or raise the limit",
            )
        data = data[: data.rfind(b"\n", 0, cap) + 1] or data[:cap]  # whole lines only
        return data, (
            f"{self.source} is {size / 1024**2:,.1f} MB: only its first "
            f"{limits.max_file_mb:g} MB are indexed ({MAX_FILE_MB_SETTING})"
        )


@dataclass(frozen=True)
class FolderScan:
    files: tuple[KnowledgeFile, ...]
    ignored: int
    """Hidden files and files of unsupported types, left out silently."""
    warnings: tuple[str, ...] = ()
    """Links out of the folder and sub-folders that cannot be opened, each named."""


@dataclass(frozen=True)
class KnowledgeLoad:
    documents: tuple[Document, ...]
    skipped: tuple[DocumentError, ...]
    ignored: int
    warnings: tuple[str, ...] = ()

    @property
    def chunks(self) -> list[Chunk]:
        return [c for d in self.documents for c in d.chunks]


def check_folder(knowledge_dir: Path) -> Path:
    """The folder, resolved; raises :class:`KnowledgeError` saying what to do if it is unusable."""
    path = Path(knowledge_dir).expanduser()
    if not path.exists():
        raise KnowledgeError(f"knowledge folder {path} does not exist; {KNOWLEDGE_HINT}")
    if not path.is_dir():
        raise KnowledgeError(f"knowledge folder {path} is not a folder; {KNOWLEDGE_HINT}")
    return path.resolve()


def scan_folder(knowledge_dir: Path) -> FolderScan:
    """Every loadable file under the folder, in a stable order; counts what it leaves out and
    names what it refuses: links that lead out of the folder, sub-folders it cannot open."""
    root = check_folder(knowledge_dir)
    files: list[KnowledgeFile] = []
    warnings: list[str] = []
    ignored = 0

    def unreadable(error: OSError) -> None:
        where = _relative(Path(error.filename or root), root)
        warnings.append(
            f"cannot open the sub-folder {where} ({error.strerror or error}): its files are "
            "not indexed"
        )

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        folder = Path(dirpath)
        kept = []
        for name in sorted(dirnames):
            if name.startswith("."):
                ignored += 1
            elif (folder / name).is_symlink():  # never followed: it could lead anywhere
                warnings.append(_link_warning(folder / name, root, "folder"))
            else:
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = folder / name
            if name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
                ignored += 1
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                warnings.append(_link_warning(path, root, "file"))
                continue
            files.append(KnowledgeFile(path, path.relative_to(root).as_posix(), root))
    return FolderScan(tuple(files), ignored, tuple(warnings))


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _link_warning(path: Path, root: Path, kind: str) -> str:
    target = path.resolve()
    if kind == "file":
        return f"skipped {_relative(path, root)}: a link to {target}, outside the knowledge folder"
    return f"skipped the folder {_relative(path, root)}: a link (to {target}), not followed"


def load_folder(knowledge_dir: Path, limits: Limits | None = None) -> KnowledgeLoad:
    """Load every document; bad files end up in ``skipped`` instead of raising."""
    scan = scan_folder(knowledge_dir)
    documents: list[Document] = []
    skipped: list[DocumentError] = []
    warnings = list(scan.warnings)
    for file in scan.files:
        try:
            data, cut = file.read(limits)
            document = load_document(file, data, limits)
        except DocumentError as e:
            skipped.append(e)
        except OSError as e:
            skipped.append(DocumentError(file.source, f"cannot read the file: {e.strerror or e}"))
        else:
            documents.append(document)
            warnings += [w for w in (cut, *document.warnings) if w]
    return KnowledgeLoad(tuple(documents), tuple(skipped), scan.ignored, tuple(warnings))


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_document(file: KnowledgeFile, data: bytes, limits: Limits | None = None) -> Document:
    """Parse one file's bytes into passages; raises :class:`DocumentError` if it cannot."""
    limits = limits or Limits()
    warnings: list[str] = []
    suffix = file.path.suffix.lower()
    if not data.strip():
        raise DocumentError(file.source, "the file is empty")
    if suffix == ".pdf":
        agents = folder_scope(file.source)
        chunks = _pdf_chunks(file, data)
    else:
        text = _decode(file.source, data)
        if suffix == ".csv":
            agents = folder_scope(file.source)
            lines = _csv_lines(file.source, text, limits.max_csv_rows, warnings)
            chunks = chunk_lines(lines, section=file.path.name)
        else:
            front, body = _split_front_matter(file.source, text)
            agents = _front_matter_scope(file.source, front, folder_scope(file.source))
            title = _title(file, front)
            if suffix == ".txt":
                chunks = _text_chunks(body, title)
            else:
                chunks = chunk_markdown(body, title=title)
    if not chunks:
        raise DocumentError(file.source, "no text to index (only headings or front matter)")
    return Document(
        source=file.source,
        content_hash=content_hash(data),
        agents=agents,
        chunks=tuple(Chunk(file.source, c.section, c.text, agents) for c in chunks),
        warnings=tuple(warnings),
    )


def folder_scope(source: str) -> frozenset[str] | None:
    """``technical/x.md`` serves the technical agent; a file at the top level serves all."""
    parts = source.split("/")
    if len(parts) > 1 and parts[0].lower() in AGENTS:
        return frozenset({parts[0].lower()})
    return None


def _decode(source: str, data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise DocumentError(source, "binary data, not text (is it the right file type?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DocumentError(
            source,
            f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); save it as UTF-8",
        ) from None


def _split_front_matter(source: str, text: str) -> tuple[dict[str, object], str]:
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    try:
        front = yaml.safe_load(match.group(1))
    except yaml.YAMLError as e:
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise DocumentError(source, f"front matter is not valid YAML ({problem})") from None
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise DocumentError(
            source, "front matter must be a mapping of fields (e.g. 'agents: [pricing]')"
        )
    return front, text[match.end() :]


def _front_matter_scope(
    source: str, front: dict[str, object], default: frozenset[str] | None
) -> frozenset[str] | None:
    if "agents" not in front:
        return default
    value = front["agents"]
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise DocumentError(
            source,
            f"front matter field 'agents' must be a list of agent names ({', '.join(AGENTS)})",
        )
    unknown = sorted({n for n in names if n.strip().lower() not in AGENTS})
    if unknown:
        raise DocumentError(
            source,
            f"front matter field 'agents' names unknown agent(s) {', '.join(map(repr, unknown))}; "
            f"known agents: {', '.join(AGENTS)}",
        )
    return frozenset(n.strip().lower() for n in names)


def _title(file: KnowledgeFile, front: dict[str, object]) -> str:
    title = front.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    return file.path.stem.replace("-", " ").replace("_", " ").strip().capitalize()


def _text_chunks(body: str, title: str) -> list[TextChunk]:
    """A .txt note: its first line is its heading when it looks like one (short, no full stop)."""
    lines = body.strip().splitlines()
    first = lines[0].strip() if lines else ""
    if (
        first
        and len(first.split()) <= 12
        and not first.endswith((".", ":", ","))
        and len(lines) > 1
    ):
        return chunk_plain("\n".join(lines[1:]), section=first)
    return chunk_plain(body, section=title)


def _pdf_chunks(file: KnowledgeFile, data: bytes) -> list[TextChunk]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # pypdf logs a warning for every structural oddity it recovers from; an unreadable PDF is
    # reported as a DocumentError instead, so keep its warnings off the user's terminal.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(file.source, "the PDF is encrypted; save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as e:
        raise DocumentError(file.source, f"not a readable PDF ({type(e).__name__}: {e})") from None
    if not any(p.strip() for p in pages):
        raise DocumentError(file.source, "the PDF has no extractable text (a scanned image?)")
    title = meta_title.strip() or _first_line(pages) or file.path.stem
    chunks: list[TextChunk] = []
    for number, page in enumerate(pages, start=1):
        section = title if len(pages) == 1 else f"{title} > page {number}"
        chunks.extend(chunk_plain(_pdf_paragraphs(page), section=section))
    return chunks


def _first_line(pages: list[str]) -> str:
    for page in pages:
        for line in page.splitlines():
            if line.strip():
                return line.strip()[:120]
    return ""


def _pdf_paragraphs(page: str) -> str:
    """pypdf breaks lines where the PDF did; rejoin lines into paragraphs at sentence ends."""
    out: list[str] = []
    for line in page.splitlines():
        line = line.strip()
        if not line:
            out.append("")
        elif out and out[-1] and not out[-1].endswith((".", "!", "?", ":")):
            out[-1] += " " + line
        else:
            out.append(line)
    return "\n\n".join(p for p in out if p)


def _csv_lines(source: str, text: str, max_rows: int, warnings: list[str]) -> list[str]:
    """Each row as 'column: value; ...' (empty values left out), up to ``max_rows``."""
    header, rows = _parse_csv(source, text, warnings)
    names = [h.lower() for h in header]
    if {"sku", "product", "in_stock"} <= set(names):
        # A stock row whose count is not a whole number >= 0 must not reach a customer through a
        # passage either (the stock look-up leaves it out too, and names it: see tables.py).
        column = names.index("in_stock")
        rows = [row for row in rows if _STOCK_COUNT.fullmatch(re.sub(r"[\s,]", "", row[column]))]
    if len(rows) > max_rows:
        warnings.append(
            f"{source} has {len(rows):,} rows: only the first {max_rows:,} are indexed "
            f"({MAX_CSV_ROWS_SETTING})"
        )
        rows = rows[:max_rows]
    return [
        "; ".join(f"{h}: {v.strip()}" for h, v in zip(header, row, strict=False) if v.strip())
        for row in rows
    ]


def _parse_csv(
    source: str, text: str, warnings: list[str] | None = None
) -> tuple[list[str], list[list[str]]]:
    """Header and data rows; raises on a missing header. A row with the wrong number of fields
    is left out and named in ``warnings`` (if given; else it fails the file)."""
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        rows = [
            r
            for r in csv.reader(io.StringIO(text), delimiter=delimiter)
            if any(c.strip() for c in r)
        ]
    except csv.Error as e:
        raise DocumentError(source, f"not valid CSV ({e})") from None
    header = [h.strip() for h in rows[0]]
    problem = header_problem(header)
    if problem:
        raise DocumentError(source, f"no header row: {problem}")
    if len(rows) < 2:
        raise DocumentError(source, "the CSV has a header but no rows")
    ragged = [n for n, row in enumerate(rows[1:], start=2) if len(row) != len(header)]
    if ragged and (warnings is None or len(ragged) == len(rows) - 1):
        number = ragged[0]
        raise DocumentError(
            source,
            f"row {number} has {len(rows[number - 1])} fields but the header has {len(header)}",
        )
    if ragged and warnings is not None:
        shown = ", ".join(map(str, ragged[:5])) + (
            f" and {len(ragged) - 5:,} more" if len(ragged) > 5 else ""
        )
        warnings.append(
            f"{source}: left out row(s) {shown}: not {len(header)} fields like the header"
        )
    return header, [row for row in rows[1:] if len(row) == len(header)]


def header_problem(header: list[str]) -> str | None:
    """Why a first CSV row is not a header (empty, numeric or repeated names), or ``None``."""
    if not header or any(not h for h in header):
        return "the first row has empty column names"
    numeric = [h for h in header if re.fullmatch(r"[-+$€£]?[\d.,:/ %-]+", h)]
    if numeric:
        return f"the first row looks like data ({numeric[0]!r} is not a column name)"
    if len({h.lower() for h in header}) != len(header):
        return "the first row repeats a column name"
    return None


@dataclass(frozen=True)
class Table:
    """A CSV file as header + rows, for the structured look-ups in :mod:`records`."""

    source: str
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...] = field(default=())


def read_table(file: KnowledgeFile, limits: Limits | None = None) -> Table:
    """A well-formed CSV as a table (lower-cased column names), up to the row cap; raises
    :class:`DocumentError`."""
    limits = limits or Limits()
    try:
        data, _ = file.read(limits)
    except OSError as e:
        raise DocumentError(file.source, f"cannot read the file: {e.strerror or e}") from None
    if not data.strip():
        raise DocumentError(file.source, "the file is empty")
    header, rows = _parse_csv(file.source, _decode(file.source, data))
    rows = rows[: limits.max_csv_rows]
    names = tuple(h.lower() for h in header)
    return Table(
        file.source,
        names,
        tuple({h: v.strip() for h, v in zip(names, r, strict=False)} for r in rows),
    )
