"""The knowledge's facts as records: each value bound to its subject and attribute, with the one
sentence or table row that states it, as plain text; kept on disk per file version."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.facts import FactStore
from simulator.facts.model import Fact
from simulator.settings import BUNDLED_KNOWLEDGE

PRICES = """\
# Fleet pricing

Prices are per vehicle.

## Plans

| Plan | Monthly price | Data retention |
|---|---|---|
| **Starter** | $24 per vehicle per month | 90 days |
| Growth | $41 per vehicle per month | 1 year |

### Enterprise — $55 per vehicle per month

- **Uptime:** 99.95% uptime commitment
- Onboarding: $1,200 one-time

## Comparison

| | Fleetwise | RoadEye |
|---|---|---|
| Camera warranty | 5 years | 2 years |
"""


def facts_of(folder: Path) -> list[Fact]:
    return FactStore.load(folder).facts


def find(facts: list[Fact], text: str) -> Fact:
    [fact] = [f for f in facts if f.text == text]
    return fact


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "pricing.md").write_text(PRICES, encoding="utf-8")
    return knowledge


def test_a_table_gives_one_fact_per_cell_bound_to_its_row_and_column(folder: Path) -> None:
    facts = facts_of(folder)
    growth = find(facts, "$41 per vehicle per month")
    assert (growth.kind, growth.subject, growth.attribute) == ("price", "Growth", "Monthly price")
    assert (growth.qualifier, growth.period) == (("month", "vehicl"), "month")
    assert (
        growth.evidence
        == "Growth — Monthly price: $41 per vehicle per month; Data retention: 1 year"
    )
    assert growth.section == "Fleet pricing > Plans" and growth.source == "pricing.md"
    starter = find(facts, "90 days")
    assert (starter.subject, starter.attribute) == ("Starter", "Data retention")
    assert "**" not in starter.evidence  # plain text, never Markdown


def test_a_comparison_table_binds_each_column_to_its_subject(folder: Path) -> None:
    roadeye = find(facts_of(folder), "2 years")
    assert (roadeye.subject, roadeye.attribute) == ("RoadEye", "Camera warranty")
    assert roadeye.evidence == "Camera warranty — RoadEye: 2 years"


def test_headings_and_labels_name_what_a_value_is_about(folder: Path) -> None:
    facts = facts_of(folder)
    heading = find(facts, "$55 per vehicle per month")
    assert (
        heading.subject == "Enterprise"
        and heading.evidence == "Enterprise — $55 per vehicle per month"
    )
    uptime = find(facts, "99.95%")
    assert (uptime.subject, uptime.attribute) == ("Enterprise", "Uptime")
    assert uptime.evidence == "Uptime: 99.95% uptime commitment"
    onboarding = find(facts, "$1,200")
    assert (onboarding.subject, onboarding.period) == ("Enterprise", "one-time")


def test_facts_are_kept_per_file_version_and_follow_the_folder(
    folder: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "facts"
    other = folder / "terms.md"
    other.write_text("# Terms\n\nQuotes are valid for 30 days.\n", encoding="utf-8")
    first = FactStore.load(folder, cache)
    stored = sorted(p.name for p in cache.rglob("*.json"))
    assert len(stored) == 2 and len(first.facts) == len(FactStore.load(folder, cache).facts)

    # an unchanged file is read back from its record, not extracted again
    [record] = [p for p in cache.rglob("*.json") if "30 days" in p.read_text(encoding="utf-8")]
    record.write_text(
        record.read_text(encoding="utf-8").replace("valid for 30 days", "valid for 31 days"),
        encoding="utf-8",
    )
    assert find(FactStore.load(folder, cache).facts, "30 days").evidence.endswith("31 days.")

    # a changed file is extracted again and its old record goes; a removed file's record too
    other.write_text("# Terms\n\nQuotes are valid for 45 days.\n", encoding="utf-8")
    changed = FactStore.load(folder, cache)
    assert find(changed.facts, "45 days").evidence == "Quotes are valid for 45 days."
    assert not [f for f in changed.facts if f.text == "30 days"]
    other.unlink()
    FactStore.load(folder, cache)
    assert len(list(cache.rglob("*.json"))) == 1


def test_an_unreadable_file_is_skipped_and_the_rest_is_kept(folder: Path) -> None:
    (folder / "broken.md").write_bytes(b"\xff\xfe not utf-8 \x00")
    assert find(facts_of(folder), "$41 per vehicle per month").subject == "Growth"


def test_the_sample_company_gives_its_prices_uptimes_and_specifications_as_facts() -> None:
    facts = facts_of(BUNDLED_KNOWLEDGE)
    assert len(facts) > 600
    ct300 = [f for f in facts if f.text == "$119" and f.source == "pricing/pricing-and-plans.md"]
    assert [(f.subject, f.attribute) for f in ct300] == [("CT-300", "Unit price (USD)")]
    tiers = [f for f in facts if f.text == "15%" and f.subject == "500–1,999"]
    assert [(c.low, c.high, c.unit) for c in tiers[0].conditions] == [(500, 1999, "sensor")]
