"""Loading a knowledge folder: passages keep where they came from and who may see them, and one
bad file never stops the rest from loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import DocumentError, KnowledgeError
from simulator.knowledge.chunking import MAX_WORDS, chunk_markdown
from simulator.knowledge.documents import Chunk, KnowledgeLoad, load_folder


def pdf_bytes(lines: list[str]) -> bytes:
    """A minimal one-page PDF whose page shows ``lines`` in Helvetica."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def chunks_of(load: KnowledgeLoad, source: str) -> list[Chunk]:
    return [c for c in load.chunks if c.source == source]


def test_passages_keep_their_source_and_heading_path(small_company: Path) -> None:
    load = load_folder(small_company)

    assert load.skipped == ()
    (machines,) = chunks_of(load, "technical/machines.md")
    assert machines.section == "Machine specifications > HK-2 Espresso Machine, GR-7 Grinder"
    assert machines.text.splitlines()[0] == "HK-2 Espresso Machine"
    assert "GR-7 Grinder" in machines.text.splitlines()
    overview = chunks_of(load, "overview.md")
    assert overview and all(c.section.startswith("Harbor Kettle Company") for c in overview)
    assert "founded in 2012" in " ".join(c.text for c in overview)


def test_sources_are_relative_with_forward_slashes(small_company: Path) -> None:
    (small_company / "technical" / "deep" / "er").mkdir(parents=True)
    (small_company / "technical" / "deep" / "er" / "page.md").write_text(
        "# Deep\n\nA nested page.\n"
    )

    sources = {c.source for c in load_folder(small_company).chunks}

    assert "technical/deep/er/page.md" in sources
    assert all("\\" not in s and not s.startswith("/") for s in sources)


def test_long_sections_become_passages_of_bounded_size_cut_between_sentences() -> None:
    sentences = [
        f"Sentence number {i} explains one more detail of the service plan." for i in range(90)
    ]
    text = "# Plans\n\n## Total care\n\n" + " ".join(sentences) + "\n"

    chunks = chunk_markdown(text, title="plans")

    assert len(chunks) > 1
    assert all(c.section == "Plans > Total care" for c in chunks)
    assert all(c.words <= MAX_WORDS for c in chunks)
    assert all(c.text.endswith("plan.") for c in chunks), (
        "a passage ends in the middle of a sentence"
    )
    assert " ".join(c.text for c in chunks).split() == " ".join(sentences).split(), "text was lost"


def test_short_sections_are_merged_and_keep_their_headings_in_the_text() -> None:
    text = (
        "# FAQ\n\n## Do you ship abroad?\n\nYes, to 30 countries.\n\n"
        "## Is there a trial?\n\nYes, 30 days.\n"
    )

    chunks = chunk_markdown(text, title="faq")

    assert len(chunks) == 1
    assert chunks[0].section == "FAQ > Do you ship abroad?, Is there a trial?"
    assert chunks[0].text.splitlines() == [
        "Do you ship abroad?",
        "Yes, to 30 countries.",
        "Is there a trial?",
        "Yes, 30 days.",
    ]


def test_headings_inside_code_fences_are_text() -> None:
    text = "# Setup\n\n```\n# not a heading\n```\n\nRun the installer.\n"

    (chunk,) = chunk_markdown(text, title="setup")

    assert chunk.section == "Setup"
    assert "# not a heading" in chunk.text


def test_first_level_agent_folder_scopes_its_documents(small_company: Path) -> None:
    load = load_folder(small_company)

    assert {c.agents for c in chunks_of(load, "technical/machines.md")} == {
        frozenset({"technical"})
    }
    assert {c.agents for c in chunks_of(load, "pricing/plans.md")} == {frozenset({"pricing"})}
    assert {c.agents for c in chunks_of(load, "overview.md")} == {None}
    assert {c.agents for c in chunks_of(load, "notes/tips.txt")} == {None}


def test_front_matter_names_the_agents_and_is_not_indexed(small_company: Path) -> None:
    (small_company / "pricing" / "shared.md").write_text(
        "---\nagents: [greeter, technical]\ntitle: Shared\n---\n# Shared page\n\nFor two roles.\n"
    )
    load = load_folder(small_company)

    assert {c.agents for c in chunks_of(load, "competitive/rivals.md")} == {
        frozenset({"technical", "pricing"})
    }
    (shared,) = chunks_of(load, "pricing/shared.md")
    assert shared.agents == frozenset({"greeter", "technical"}), "front matter wins over the folder"
    assert shared.text == "For two roles."


def test_unknown_agent_in_front_matter_skips_the_file_naming_file_and_field(
    small_company: Path,
) -> None:
    (small_company / "bad.md").write_text(
        "---\nagents: [technical, marketing]\n---\n# Bad\n\nText.\n"
    )

    load = load_folder(small_company)

    (error,) = load.skipped
    assert error.path == "bad.md"
    assert "agents" in error.reason and "marketing" in error.reason
    assert not chunks_of(load, "bad.md")
    assert chunks_of(load, "overview.md")


def test_csv_rows_become_readable_lines_grouped_under_the_file_name(small_company: Path) -> None:
    load = load_folder(small_company)

    stock = chunks_of(load, "data/stock.csv")
    assert stock and all(c.section == "stock.csv" for c in stock)
    lines = [line for c in stock for line in c.text.splitlines()]
    assert lines[0] == (
        "sku: HK-2; product: HK-2 Espresso Machine; category: machine; unit_price_usd: 7400.00; "
        "in_stock: 12; warehouse: Portland; restock_date: 2026-05-01"
    )
    assert len(lines) == 5
    assert all(len(c.text.splitlines()) <= 5 for c in chunks_of(load, "data/accounts.csv"))


def test_text_and_pdf_files_load(small_company: Path) -> None:
    (small_company / "press").mkdir()
    (small_company / "press" / "news.pdf").write_bytes(
        pdf_bytes(["Harbor Kettle opens a Boston showroom.", "The showroom opens in May 2026."])
    )

    load = load_folder(small_company)

    assert load.skipped == ()
    (tips,) = chunks_of(load, "notes/tips.txt")
    assert tips.section == "Demo tips"
    assert tips.text.startswith("Always pull a shot")
    (news,) = chunks_of(load, "press/news.pdf")
    assert "Boston showroom" in news.text and "May 2026" in news.text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "empty"),
        ("blank.txt", b"   \n\n", "empty"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage", "PDF"),
        ("image.md", bytes(range(256)) * 4, "binary"),
        ("latin1.txt", "Café prices in Zürich".encode("latin-1"), "UTF-8"),
        ("ragged.csv", b"sku,product,in_stock\nGR-7,Grinder\n", "row 2"),
        ("headless.csv", b"HK-2,7400,12\nGR-7,1900,30\n", "header"),
        ("headings-only.md", b"# Title\n\n## Section\n", "no text"),
        ("bad-front-matter.md", b"---\nagents: [technical\n---\n# X\n\nText.\n", "front matter"),
    ],
)
def test_a_bad_file_is_skipped_with_its_reason_and_the_rest_loads(
    small_company: Path, name: str, content: bytes, reason: str
) -> None:
    (small_company / name).write_bytes(content)

    load = load_folder(small_company)

    (error,) = load.skipped
    assert isinstance(error, DocumentError)
    assert error.path == name
    assert reason in error.reason
    assert name in str(error)
    assert {c.source for c in load.chunks} >= {
        "overview.md",
        "technical/machines.md",
        "data/stock.csv",
    }


def test_hidden_and_unsupported_files_are_ignored_and_counted(small_company: Path) -> None:
    (small_company / ".draft.md").write_text("# Draft\n\nSecret.\n")
    (small_company / ".git").mkdir()
    (small_company / ".git" / "config.md").write_text("# Not knowledge\n\nText.\n")
    (small_company / "logo.png").write_bytes(b"\x89PNG\r\n")
    (small_company / "deck.pptx").write_bytes(b"PK")

    load = load_folder(small_company)

    assert load.skipped == ()
    assert load.ignored == 4  # .draft.md, the .git folder, logo.png, deck.pptx
    assert not any(c.source.startswith(".") or "/." in c.source for c in load.chunks)


def test_missing_knowledge_folder_says_which_path_and_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as raised:
        load_folder(tmp_path / "nowhere")

    message = str(raised.value)
    assert str(tmp_path / "nowhere") in message
    assert "--knowledge" in message and "SIMULATOR_KNOWLEDGE" in message


def test_a_file_given_as_knowledge_folder_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "notes.md"
    file.write_text("# Notes\n")

    with pytest.raises(KnowledgeError, match="is not a folder"):
        load_folder(file)


def test_a_ragged_csv_row_is_named_and_the_other_rows_load(small_company: Path) -> None:
    (small_company / "ragged.csv").write_bytes(
        b"sku,product,in_stock\nHK-2,Machine,12\nGR-7,Grinder\nPB-1,Portafilter,4\n"
    )

    load = load_folder(small_company)

    assert load.skipped == ()
    (document,) = [d for d in load.documents if d.source == "ragged.csv"]
    text = " ".join(c.text for c in document.chunks)
    assert "HK-2" in text and "PB-1" in text and "GR-7" not in text
    assert load.warnings == ("ragged.csv: left out row(s) 3: not 3 fields like the header",)
