"""Sales records: stock look-ups, purchase histories and recommendations, all from the CSVs."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.knowledge.records import NO_ACCOUNT_DATA, NO_STOCK_DATA, SalesRecords
from simulator.settings import BUNDLED_KNOWLEDGE


@pytest.fixture
def records(small_company: Path) -> SalesRecords:
    return SalesRecords.load(small_company)


def test_tables_are_found_by_their_header_whatever_their_name(small_company: Path) -> None:
    (small_company / "data" / "stock.csv").rename(small_company / "inventory-march.csv")
    (small_company / "data" / "accounts.csv").rename(small_company / "notes" / "crm export.csv")

    records = SalesRecords.load(small_company)

    assert {p.sku for p in records.products} == {"HK-2", "GR-7", "FLT-1", "BRN-64"}
    assert {a.company for a in records.accounts} == {
        "Blue Gull Cafe",
        "Seaside Hotel",
        "Dockside Coffee",
    }
    assert records.problems == ()


def test_stock_by_exact_sku_adds_up_the_warehouses(records: SalesRecords) -> None:
    level = records.stock_level("HK-2")

    (product,) = level.matches
    assert (product.sku, product.in_stock, product.unit_price_usd) == ("HK-2", 12, 7400.0)
    assert [(e.warehouse, e.in_stock) for e in product.stock] == [
        ("Portland", 12),
        ("Rotterdam", 0),
    ]
    text = level.describe()
    assert "HK-2 Espresso Machine (HK-2): 12 in stock" in text
    assert "Rotterdam 0, restock expected 2026-04-15" in text
    assert "USD 7,400.00" in text
    assert str(level) == text


@pytest.mark.parametrize(
    "query", ["hk2", "hk-2 espresso", "espresso machine", "Espresso Machine", "HK 2"]
)
def test_stock_by_fuzzy_name_or_sku_spelling(records: SalesRecords, query: str) -> None:
    assert [p.sku for p in records.stock_level(query).matches] == ["HK-2"]


def test_a_misspelt_product_name_still_matches(records: SalesRecords) -> None:
    assert [p.sku for p in records.stock_level("grinderr").matches] == ["GR-7"]


def test_unknown_product_lists_the_closest_known_ones(records: SalesRecords) -> None:
    level = records.stock_level("milk frother")

    assert not level.found
    assert len(level.closest) == 3
    assert level.describe().startswith(
        "No product matches 'milk frother'. Closest known products: "
    )
    assert all(name in level.describe() for name in level.closest)


def test_purchase_history_by_company_or_account_id_sorted_by_date(records: SalesRecords) -> None:
    by_name = records.purchase_history("blue gull")
    by_id = records.purchase_history("A-1")

    assert by_name.account is not None and by_name.account == by_id.account
    account = by_name.account
    assert [o.order_date for o in account.orders] == ["2024-03-15", "2024-03-15", "2025-06-02"]
    assert account.total_usd == 2 * 7200 + 2 * 1850 + 10 * 45
    text = by_name.describe()
    assert text.startswith(
        "Blue Gull Cafe (A-1, Cafe, contact Ana Ruiz, Basic care plan): 2 order(s)"
    )
    assert "USD 18,550.00 in total" in text
    assert "2024-03-15: 2 x HK-2 Espresso Machine (HK-2) at USD 7,200.00" in text


def test_unknown_account_names_the_known_ones(records: SalesRecords) -> None:
    history = records.purchase_history("Acme Bakery")

    assert history.account is None
    assert history.describe().startswith(
        "No account matches 'Acme Bakery'. Known accounts include: "
    )


def test_recommendation_is_grounded_in_history_and_stock(records: SalesRecords) -> None:
    recommendation = records.recommend("Seaside Hotel")

    assert recommendation.account is not None
    suggested = {s.product.sku: s for s in recommendation.suggestions}
    assert suggested
    assert "HK-2" not in suggested, "never recommend what they already own"
    assert set(suggested) <= {p.sku for p in records.products}
    for sku, suggestion in suggested.items():
        price = next(p.unit_price_usd for p in records.products if p.sku == sku)
        assert f"USD {price:,.2f}" in suggestion.describe(), "prices come from the stock table"
        assert suggestion.reason


def test_consumables_they_buy_are_offered_again(records: SalesRecords) -> None:
    recommendation = records.recommend("Blue Gull Cafe")

    reasons = {s.product.sku: s.reason for s in recommendation.suggestions}
    assert reasons["FLT-1"] == "a consumable they re-order: last ordered 10 on 2025-06-02"
    assert reasons["BRN-64"] == "an accessory for the GR-7 they own"
    assert next(iter(reasons)) == "BRN-64", "accessories for owned products come first"


def test_products_that_peers_in_the_same_industry_buy_are_suggested(records: SalesRecords) -> None:
    recommendation = records.recommend("Dockside Coffee")

    reasons = {s.product.sku: s.reason for s in recommendation.suggestions}
    assert reasons["FLT-1"] == "other Cafe customers buy it (Blue Gull Cafe)"
    assert recommendation.describe().startswith(
        "For Dockside Coffee (A-3, Cafe, contact Lea Moss, Basic care plan): 1) "
    )


def test_products_bought_by_owners_of_the_same_products_are_suggested(
    records: SalesRecords,
) -> None:
    recommendation = records.recommend("Seaside Hotel")

    reasons = {s.product.sku: s.reason for s in recommendation.suggestions}
    assert (
        reasons["GR-7"]
        == "customers who own the same products buy it (Blue Gull Cafe, Dockside Coffee)"
    )


def test_a_folder_without_tables_says_so(tmp_path: Path) -> None:
    (tmp_path / "about.md").write_text("# About\n\nNo tables here.\n")

    records = SalesRecords.load(tmp_path)

    assert records.stock_level("HK-2").describe() == NO_STOCK_DATA
    assert records.purchase_history("Blue Gull").describe() == NO_ACCOUNT_DATA
    assert records.recommend("Blue Gull").describe() == NO_ACCOUNT_DATA


def test_bad_rows_are_reported_and_the_rest_is_used(small_company: Path) -> None:
    stock = small_company / "data" / "stock.csv"
    stock.write_text(
        stock.read_text() + "ZZ-1,Mystery part,accessory,12.00,lots,Portland,2026-01-01\n"
    )

    records = SalesRecords.load(small_company)

    (problem,) = records.problems
    assert problem.path == "data/stock.csv" and "row 7" in problem.reason
    assert records.stock_level("HK-2").found
    assert not records.stock_level("ZZ-1").found


def test_an_ambiguous_account_name_asks_which_one(records: SalesRecords) -> None:
    history = records.purchase_history("side")  # Seaside Hotel and Dockside Coffee

    assert history.account is None and history.ambiguous
    assert set(history.closest) == {"Seaside Hotel", "Dockside Coffee"}
    assert history.describe().startswith("Several accounts match 'side': ")
    assert history.describe().endswith("Ask which one.")


def test_a_company_that_shares_only_a_word_is_another_company() -> None:
    # the sample company's accounts: 'Northbay Foods' is nobody we know, not Northgate Fresh Foods
    records = SalesRecords.load(BUNDLED_KNOWLEDGE)

    stranger = records.purchase_history("Northbay Foods")
    assert stranger.account is None and not stranger.ambiguous
    assert stranger.describe().startswith("No account matches 'Northbay Foods'.")
    assert "Northgate Fresh Foods" in stranger.closest  # offered, not assumed

    for said in ("Northgate Foods", "the Northgate Fresh Foods account", "Nortgate Fresh Foods"):
        found = records.purchase_history(said).account
        assert found is not None and found.company == "Northgate Fresh Foods", said
    assert records.purchase_history("Casa Verde").account is not None
