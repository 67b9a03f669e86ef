"""The company's sales material, searchable by the agents: retrieval and structured records.

    documents   folder -> scoped passages (Markdown, text, PDF, CSV); bad files become
    DocumentErrors
    chunking    text -> passages of ~80-220 words along headings, paragraphs and sentences
    embedding   wordllama's bundled 256-d model, offline, as a chromadb embedding function
    keywords    content terms (stems, product codes) shared by ranking and record look-ups
    ranking     re-ranking of dense candidates: best sentence + light keyword/code bonus
    index       KnowledgeIndex: a chromadb collection kept in step with the folder, and search
    tables      the stock and accounts CSVs as typed rows, found by their header
    records     SalesRecords: stock levels, purchase histories, recommendations for the agents'
    tools
    commands    `simulator index` and `simulator retrieve`

Everything here blocks (disk, chromadb, embedding): async callers use ``asyncio.to_thread``.
``KnowledgeIndex`` and ``IndexReport`` are imported on first use, since they bring in chromadb.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.knowledge.documents import Chunk, Document, KnowledgeLoad, load_folder
from simulator.knowledge.records import (
    PurchaseHistory,
    Recommendation,
    SalesRecords,
    StockLevel,
    Suggestion,
)
from simulator.knowledge.tables import Account, OrderLine, Product

if TYPE_CHECKING:
    from simulator.knowledge.index import IndexReport, KnowledgeIndex

__all__ = [
    "Account",
    "Chunk",
    "Document",
    "IndexReport",
    "KnowledgeIndex",
    "KnowledgeLoad",
    "OrderLine",
    "Product",
    "PurchaseHistory",
    "Recommendation",
    "SalesRecords",
    "StockLevel",
    "Suggestion",
    "load_folder",
]


def __getattr__(name: str) -> Any:
    if name in ("KnowledgeIndex", "IndexReport"):
        from simulator.knowledge import index

        return getattr(index, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
