"""The company's stock and accounts tables, read from CSVs anywhere in the knowledge folder.

A company folder may name its files as it likes: a table is recognised by its header (a stock
table has ``sku``, ``product`` and ``in_stock``; an accounts table has ``company``, ``sku`` and
``quantity``; other columns such as ``unit_price_usd``, ``warehouse``, ``restock_date``,
``account_id``, ``order_date`` and ``plan`` are used when present). Rows that cannot be used (a
quantity that is not a number, a negative stock: never told to a customer) are reported, naming
the file, the row and the value, and the rest is kept. A table is read up to the row cap of
:class:`~simulator.knowledge.documents.Limits`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from simulator.errors import DocumentError
from simulator.knowledge.documents import Limits, Table, read_table, scan_folder

STOCK_COLUMNS = frozenset({"sku", "product", "in_stock"})
ACCOUNT_COLUMNS = frozenset({"company", "sku", "quantity"})


@dataclass(frozen=True)
class StockEntry:
    """One product's stock in one warehouse."""

    warehouse: str
    in_stock: int
    restock_date: str


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    unit_price_usd: float | None
    stock: tuple[StockEntry, ...]

    @property
    def in_stock(self) -> int:
        return sum(e.in_stock for e in self.stock)

    @property
    def next_restock(self) -> str:
        dates = sorted(e.restock_date for e in self.stock if e.restock_date)
        return dates[0] if dates else ""

    def describe(self) -> str:
        price = (
            f"list price USD {self.unit_price_usd:,.2f} per unit"
            if self.unit_price_usd is not None
            else "no list price in the data"
        )
        if not self.in_stock:
            restock = f", restock expected {self.next_restock}" if self.next_restock else ""
            return f"{self.name} ({self.sku}): out of stock in every warehouse{restock}; {price}."
        where = ", ".join(_warehouse_text(e) for e in self.stock if e.warehouse)
        return (
            f"{self.name} ({self.sku}): {self.in_stock:,} in stock"
            + (f" ({where})" if where else "")
            + f"; {price}."
        )


def _warehouse_text(entry: StockEntry) -> str:
    if entry.in_stock or not entry.restock_date:
        return f"{entry.warehouse} {entry.in_stock:,}"
    return f"{entry.warehouse} 0, restock expected {entry.restock_date}"


@dataclass(frozen=True)
class OrderLine:
    order_date: str
    sku: str
    product: str
    quantity: int
    unit_price_usd: float | None
    plan: str

    @property
    def total_usd(self) -> float | None:
        return (
            None if self.unit_price_usd is None else round(self.quantity * self.unit_price_usd, 2)
        )

    def describe(self) -> str:
        price = (
            ""
            if self.unit_price_usd is None
            else f" at USD {self.unit_price_usd:,.2f} (USD {self.total_usd:,.2f})"
        )
        return f"{self.order_date}: {self.quantity:,} x {self.product} ({self.sku}){price}"


@dataclass(frozen=True)
class Account:
    account_id: str
    company: str
    industry: str
    contact: str
    orders: tuple[OrderLine, ...]
    """Sorted by date."""

    @property
    def plan(self) -> str:
        return next((o.plan for o in reversed(self.orders) if o.plan), "")

    @property
    def total_usd(self) -> float:
        return round(sum(o.total_usd or 0.0 for o in self.orders), 2)

    def label(self) -> str:
        details = [d for d in (self.account_id, self.industry) if d]
        if self.contact:
            details.append(f"contact {self.contact}")
        if self.plan:
            details.append(f"{self.plan} plan")
        return f"{self.company} ({', '.join(details)})" if details else self.company


@dataclass(frozen=True)
class SalesTables:
    products: tuple[Product, ...]
    accounts: tuple[Account, ...]
    problems: tuple[DocumentError, ...]


def read_sales_tables(knowledge_dir: Path, limits: Limits | None = None) -> SalesTables:
    """Every stock and accounts table in the folder, merged; raises ``KnowledgeError`` only if
    the folder itself is unusable."""
    problems: list[DocumentError] = []
    stock_rows: list[tuple[str, int, dict[str, str]]] = []
    order_rows: list[tuple[str, int, dict[str, str]]] = []
    for file in scan_folder(knowledge_dir).files:
        if file.path.suffix.lower() != ".csv":
            continue
        try:
            table = read_table(file, limits)
        except DocumentError as e:
            problems.append(e)
            continue
        if set(table.header) >= STOCK_COLUMNS:
            stock_rows.extend(_numbered(table))
        elif set(table.header) >= ACCOUNT_COLUMNS:
            order_rows.extend(_numbered(table))
    products = _products(stock_rows, problems)
    return SalesTables(products, _accounts(order_rows, products, problems), tuple(problems))


def _numbered(table: Table) -> list[tuple[str, int, dict[str, str]]]:
    return [(table.source, number, row) for number, row in enumerate(table.rows, start=2)]


def _number(raw: str, kind: type[int] | type[float]) -> int | float | None:
    cleaned = re.sub(r"[\s$€£,]|usd", "", raw.lower())
    if not cleaned:
        return None
    value = float(cleaned)
    if kind is int:
        if not value.is_integer():
            raise ValueError(raw)
        return int(value)
    return value


def _products(
    rows: list[tuple[str, int, dict[str, str]]], problems: list[DocumentError]
) -> tuple[Product, ...]:
    entries: dict[str, list[StockEntry]] = defaultdict(list)
    info: dict[str, tuple[str, str, str, float | None]] = {}
    for source, number, row in rows:
        sku = row.get("sku", "")
        try:
            in_stock = _number(row.get("in_stock", ""), int)
        except ValueError:
            problems.append(_bad_row(source, number, "in_stock", row, "is not a number"))
            continue
        try:
            price = _number(row.get("unit_price_usd", row.get("unit_price", "")), float)
        except ValueError:
            problems.append(_bad_row(source, number, "unit_price_usd", row, "is not a number"))
            continue
        if not sku or in_stock is None:
            problems.append(DocumentError(source, f"row {number}: missing sku or in_stock"))
            continue
        if in_stock < 0:
            problems.append(
                DocumentError(
                    source, f"row {number}: in_stock is negative ({in_stock}); the row is left out"
                )
            )
            continue
        key = sku.upper()
        if key not in info:
            info[key] = (sku, row.get("product", "") or sku, row.get("category", ""), price)
        entries[key].append(
            StockEntry(row.get("warehouse", ""), int(in_stock), row.get("restock_date", ""))
        )
    return tuple(
        Product(sku, name, category, price, tuple(entries[key]))
        for key, (sku, name, category, price) in info.items()
    )


def _bad_row(
    source: str, number: int, column: str, row: dict[str, str], problem: str
) -> DocumentError:
    value = row.get(column, row.get("unit_price", ""))[:40]
    return DocumentError(source, f"row {number}: {column} {value!r} {problem}; the row is left out")


def _accounts(
    rows: list[tuple[str, int, dict[str, str]]],
    products: tuple[Product, ...],
    problems: list[DocumentError],
) -> tuple[Account, ...]:
    names = {p.sku.upper(): p.name for p in products}
    lines: dict[str, list[OrderLine]] = defaultdict(list)
    info: dict[str, tuple[str, str, str, str]] = {}
    for source, number, row in rows:
        company = row.get("company", "")
        try:
            quantity = _number(row.get("quantity", ""), int)
            price = _number(row.get("unit_price_usd", row.get("unit_price", "")), float)
        except ValueError:
            problems.append(
                DocumentError(source, f"row {number}: quantity or unit price is not a number")
            )
            continue
        if not company or quantity is None:
            problems.append(DocumentError(source, f"row {number}: missing company or quantity"))
            continue
        key = row.get("account_id") or company
        info.setdefault(
            key,
            (row.get("account_id", ""), company, row.get("industry", ""), row.get("contact", "")),
        )
        sku = row.get("sku", "")
        product = row.get("product") or names.get(sku.upper(), sku)
        lines[key].append(
            OrderLine(
                row.get("order_date", ""), sku, product, int(quantity), price, row.get("plan", "")
            )
        )
    accounts = []
    for key, (account_id, company, industry, contact) in info.items():
        orders = tuple(sorted(lines[key], key=lambda o: o.order_date))
        accounts.append(Account(account_id, company, industry, contact, orders))
    return tuple(accounts)
