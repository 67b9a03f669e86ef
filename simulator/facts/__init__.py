"""The knowledge base's checkable facts, as records, for the claim check.

model     Fact (subject, attribute, value, unit, qualifiers, source sentence) and FileFacts
extract   one file -> facts: Markdown tables, lists and sentences; text, PDF and CSV passages
store     FactStore: every file's facts, cached per file version under the data dir
subjects  which names the material tells apart (plans, products), found in any text
"""

from __future__ import annotations

from simulator.facts.model import Fact, FileFacts
from simulator.facts.store import FactStore

__all__ = ["Fact", "FactStore", "FileFacts"]
