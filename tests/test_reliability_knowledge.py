"""Reliability: the knowledge folder is untrusted input.

Each case is an attack or an accident a careless or hostile user can set up with files alone: a
link that leads out of the folder, a sub-folder the app cannot open, stock rows that cannot be
told to a customer, a CSV of a million rows and a text file of 50 MB, twenty first runs at once
on an empty data folder, and an index that others on the machine could read. Each is named in
what the user sees, bounded, or refused; nothing else is lost.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from simulator.knowledge.documents import Limits, scan_folder
from simulator.knowledge.index import KnowledgeIndex
from simulator.knowledge.records import SalesRecords

REPO = Path(__file__).resolve().parent.parent


def simulator(
    *args: str, data_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CHROMA_HOST", "CHROMA_PORT", "SIMULATOR_KNOWLEDGE"}
    }
    environment.update(
        SIMULATOR_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO), **(env or {})
    )
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        env=environment,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_link_out_of_the_folder_is_skipped_and_named(small_company: Path, tmp_path: Path) -> None:
    (small_company / "junk").mkdir()
    (small_company / "junk" / "shadow.txt").symlink_to("/etc/passwd")
    secret_dir = tmp_path / "elsewhere"
    secret_dir.mkdir()
    (secret_dir / "secret.md").write_text("# Secret\n\nThe root password is hunter2.\n")
    (small_company / "linked").symlink_to(secret_dir, target_is_directory=True)

    indexed = simulator(
        "index", "--no-encoder", "--knowledge", str(small_company), data_dir=tmp_path / "data"
    )
    retrieved = simulator(
        "retrieve",
        "--json",
        "-k",
        "20",
        "--knowledge",
        str(small_company),
        "root password bash",
        data_dir=tmp_path / "data",
    )

    assert indexed.returncode == 0, indexed.stderr
    assert (
        "warning: skipped junk/shadow.txt: a link to /etc/passwd, outside the knowledge folder"
        in indexed.stderr
    )
    assert "warning: skipped the folder linked: a link" in indexed.stderr
    assert "root:" not in retrieved.stdout and "hunter2" not in retrieved.stdout
    assert "junk/shadow.txt" not in retrieved.stdout


def test_a_link_inside_the_folder_is_still_read(small_company: Path, tmp_path: Path) -> None:
    (small_company / "alias.md").symlink_to(small_company / "overview.md")

    sources = {f.source for f in scan_folder(small_company).files}

    assert "alias.md" in sources and scan_folder(small_company).warnings == ()


@pytest.fixture
def world_readable_tmp() -> Iterator[Path]:
    """A folder another user can enter (pytest's own tmp folders are the owner's only)."""
    folder = Path(tempfile.mkdtemp(prefix="simulator-knowledge-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in sorted(folder.rglob("*"), reverse=True):
            path.chmod(0o700)
        subprocess.run(["rm", "-rf", str(folder)], check=True)


def test_an_unreadable_sub_folder_is_named(world_readable_tmp: Path) -> None:
    """Scanned as a user who cannot open it (root opens everything, so as root the scan runs in
    a child process that has become ``nobody``)."""
    root = world_readable_tmp / "knowledge"
    (root / "private").mkdir(parents=True)
    (root / "overview.md").write_text("# Overview\n\nWe sell sensors.\n")
    (root / "private" / "plans.md").write_text("# Plans\n\nSecret plans.\n")
    for path in (root, root / "overview.md", root / "private" / "plans.md"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (root / "private").chmod(0)

    warnings = _scan_as_another_user(root) if os.geteuid() == 0 else scan_folder(root).warnings

    assert warnings == (
        "cannot open the sub-folder private (Permission denied): its files are not indexed",
    )


def _scan_as_another_user(root: Path) -> tuple[str, ...]:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.close(read)
            os.setgid(65534)
            os.setuid(65534)
            os.write(write, "\n".join(scan_folder(root).warnings).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        out = pipe.read()
    os.waitpid(child, 0)
    return tuple(line for line in out.splitlines() if line)


STOCK = """sku,product,category,unit_price_usd,in_stock,warehouse,restock_date
HK-2,HK-2 Espresso Machine,machine,7400.00,12,Portland,2026-05-01
GR-7,GR-7 Grinder,grinder,1900.00,lots,Portland,
PB-1,PB-1 Portafilter,accessory,80.00,-5,Portland,
"""


def test_stock_rows_that_cannot_be_told_are_named_by_row(
    small_company: Path, tmp_path: Path
) -> None:
    (small_company / "data" / "stock.csv").write_text(STOCK)

    records = SalesRecords.load(small_company)
    indexed = simulator(
        "index", "--no-encoder", "--knowledge", str(small_company), data_dir=tmp_path / "data"
    )

    assert [str(p) for p in records.problems] == [
        "data/stock.csv: row 3: in_stock 'lots' is not a number; the row is left out",
        "data/stock.csv: row 4: in_stock is negative (-5); the row is left out",
    ]
    assert "-5" not in records.stock_level("PB-1").describe()
    with KnowledgeIndex(small_company, tmp_path / "index", contextual=False) as index:
        index.update()
        told = " ".join(p.text for p in index.search("PB-1 portafilter in stock", k=10))
    assert "PB-1" not in told and "lots" not in told, "nor through a retrieved passage"
    assert "warning: data/stock.csv: row 3: in_stock 'lots' is not a number" in indexed.stderr
    assert "warning: data/stock.csv: row 4: in_stock is negative (-5)" in indexed.stderr


def test_huge_files_are_cut_at_the_caps_with_a_warning(small_company: Path, tmp_path: Path) -> None:
    rows = "".join(f"SKU-{i},Part {i},part,1.00,{i % 7},Portland,\n" for i in range(1_000))
    (small_company / "data" / "parts.csv").write_text(STOCK.splitlines()[0] + "\n" + rows)
    (small_company / "big.txt").write_text(
        "Big notes\n\n" + "".join(f"Line {i} of a very long export.\n" for i in range(20_000))
    )
    limits = Limits(max_file_mb=0.1, max_csv_rows=200)

    with KnowledgeIndex(
        small_company, tmp_path / "index", contextual=False, limits=limits
    ) as index:
        report = index.update()
        again = index.update()

    assert (
        "data/parts.csv has 1,000 rows: only the first 200 are indexed (SIMULATOR_MAX_CSV_ROWS)"
        in report.warnings
    )
    assert any(
        w.startswith("big.txt is 0.6 MB: only its first 0.1 MB are indexed (SIMULATOR_MAX_FILE_MB)")
        for w in report.warnings
    )
    assert report.skipped == ()
    assert (again.files_unchanged, again.files_updated) == (9, 0)
    records = SalesRecords.load(small_company, limits)
    assert len([p for p in records.products if p.sku.startswith("SKU-")]) == 200


def test_the_caps_are_settings(small_company: Path, tmp_path: Path) -> None:
    (small_company / "big.txt").write_text(
        "Big notes\n\n" + "".join(f"Line {i} of a very long export.\n" for i in range(20_000))
    )

    done = simulator(
        "index",
        "--no-encoder",
        "--knowledge",
        str(small_company),
        data_dir=tmp_path / "data",
        env={"SIMULATOR_MAX_FILE_MB": "0.1"},
    )

    assert done.returncode == 0, done.stderr
    assert "warning: big.txt is 0.6 MB: only its first 0.1 MB are indexed" in done.stderr


def test_a_huge_pdf_is_skipped_with_the_limit_named(small_company: Path, tmp_path: Path) -> None:
    (small_company / "scan.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 200_000)

    with KnowledgeIndex(
        small_company, tmp_path / "index", contextual=False, limits=Limits(max_file_mb=0.1)
    ) as index:
        report = index.update()

    (error,) = report.skipped
    assert (
        error.path == "scan.pdf" and "over the 0.1 MB limit (SIMULATOR_MAX_FILE_MB)" in error.reason
    )


def test_twenty_first_runs_at_once_on_an_empty_data_folder(
    small_company: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"

    with ThreadPoolExecutor(max_workers=20) as pool:
        runs = list(
            pool.map(
                lambda _: simulator(
                    "index", "--no-encoder", "--knowledge", str(small_company), data_dir=data
                ),
                range(20),
            )
        )

    failures = [r.stderr for r in runs if r.returncode != 0]
    assert failures == []
    added = [int(r.stdout.split("files: ")[1].split(" added")[0]) for r in runs]
    assert sum(added) == 7, "exactly one run indexed each file; the others found them indexed"


def test_the_index_is_the_owners_only(small_company: Path, tmp_path: Path) -> None:
    with KnowledgeIndex(small_company, tmp_path / "data" / "index") as index:
        index.update()
        index.wait_contextual(600)

    index_dir = tmp_path / "data" / "index"
    paths = [index_dir, *index_dir.rglob("*")]
    assert len(paths) > 3
    loose = [
        f"{p.relative_to(index_dir)} {stat.filemode(p.stat().st_mode)}"
        for p in paths
        if p.stat().st_mode & 0o077
    ]
    assert loose == []
