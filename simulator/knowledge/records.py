"""The agents' structured look-ups: stock levels, purchase histories and recommendations.

Numbers such as "how many CT-200 are in stock" or "what did Northgate buy last year" must come
from the company's tables (see :mod:`tables`), not from passages an LLM might misread. Products
and accounts are matched forgivingly (SKU spellings, parts of names, misspellings); a folder
without tables makes the tools say so. Every answer is a typed result whose :meth:`describe`
is a short factual text for the LLM; prices are only ever the CSV's own, and a recommendation
always says why, from the account's history and other accounts' orders.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from simulator.errors import DocumentError
from simulator.knowledge.documents import Limits
from simulator.knowledge.keywords import terms
from simulator.knowledge.tables import Account, OrderLine, Product, read_sales_tables

NO_STOCK_DATA = "There is no stock data in the knowledge folder."
NO_ACCOUNT_DATA = "There is no account or purchase data in the knowledge folder."
_CONSUMABLE = re.compile(r"consumable|replacement|refill|battery|batteries|supplies", re.I)
_MAX_RECOMMENDATIONS = 3


@dataclass(frozen=True)
class StockLevel:
    """The answer to "how many X are in stock?": matching products, or the closest names."""

    query: str
    matches: tuple[Product, ...]
    closest: tuple[str, ...] = ()
    has_data: bool = True

    @property
    def found(self) -> bool:
        return bool(self.matches)

    def describe(self) -> str:
        if not self.has_data:
            return NO_STOCK_DATA
        if not self.matches:
            return (
                f"No product matches {self.query!r}. Closest "
                f"known products: {', '.join(self.closest)}."
            )
        if len(self.matches) == 1:
            return self.matches[0].describe()
        lines = " ".join(p.describe() for p in self.matches)
        return f"{len(self.matches)} products match {self.query!r}: {lines}"

    __str__ = describe


@dataclass(frozen=True)
class PurchaseHistory:
    query: str
    account: Account | None
    closest: tuple[str, ...] = ()
    """Account names to ask about when nothing, or more than one account, matched."""
    ambiguous: bool = False
    """``closest`` are several accounts that all match the query."""
    has_data: bool = True

    def describe(self) -> str:
        if not self.has_data:
            return NO_ACCOUNT_DATA
        if self.account is None:
            return _no_account(self.query, self.closest, self.ambiguous)
        a = self.account
        dates = sorted({o.order_date for o in a.orders})
        span = f"{len(dates)} order(s) from {dates[0]} to {dates[-1]}" if dates else "no orders"
        lines = "; ".join(o.describe() for o in a.orders)
        return f"{a.label()}: {span}, USD {a.total_usd:,.2f} in total. {lines}."

    __str__ = describe


@dataclass(frozen=True)
class Suggestion:
    product: Product
    reason: str

    def describe(self) -> str:
        return f"{self.product.describe()} Why: {self.reason}."


@dataclass(frozen=True)
class Recommendation:
    query: str
    account: Account | None
    suggestions: tuple[Suggestion, ...] = ()
    closest: tuple[str, ...] = ()
    ambiguous: bool = False
    has_data: bool = True

    def describe(self) -> str:
        if not self.has_data:
            return NO_ACCOUNT_DATA
        if self.account is None:
            return _no_account(self.query, self.closest, self.ambiguous)
        if not self.suggestions:
            company = self.account.company
            return (
                f"Nothing to recommend to {company} from the "
                f"stock data: they already buy every product."
            )
        items = " ".join(f"{i}) {s.describe()}" for i, s in enumerate(self.suggestions, start=1))
        return f"For {self.account.label()}: {items}"

    __str__ = describe


def _no_account(query: str, closest: tuple[str, ...], ambiguous: bool) -> str:
    if ambiguous:
        return f"Several accounts match {query!r}: {', '.join(closest)}. Ask which one."
    return f"No account matches {query!r}. Known accounts include: {', '.join(closest)}."


@dataclass(frozen=True)
class _AccountMatch:
    account: Account | None
    closest: tuple[str, ...] = ()
    ambiguous: bool = False


@dataclass(frozen=True)
class SalesRecords:
    """Every stock and accounts table in a knowledge folder, merged."""

    products: tuple[Product, ...] = ()
    accounts: tuple[Account, ...] = ()
    problems: tuple[DocumentError, ...] = field(default=())
    """Tables or rows that could not be used (named file and reason)."""

    @classmethod
    def load(cls, knowledge_dir: Path, limits: Limits | None = None) -> SalesRecords:
        """Read the folder's CSVs; raises ``KnowledgeError`` only if the folder is unusable."""
        tables = read_sales_tables(knowledge_dir, limits)
        return cls(tables.products, tables.accounts, tables.problems)

    def stock_level(self, product: str) -> StockLevel:
        """Stock of the product(s) matching ``product`` (a SKU or a name, fuzzy)."""
        if not self.products:
            return StockLevel(product, (), has_data=False)
        matches = _match_products(product, self.products)
        if matches:
            return StockLevel(product, matches)
        return StockLevel(
            product,
            (),
            _closest(product, {f"{p.name} ({p.sku})": p.sku + " " + p.name for p in self.products}),
        )

    def purchase_history(self, account: str) -> PurchaseHistory:
        """An account's orders (by company name or account id), oldest first, with totals."""
        if not self.accounts:
            return PurchaseHistory(account, None, has_data=False)
        match = self._find_account(account)
        return PurchaseHistory(account, match.account, match.closest, match.ambiguous)

    def recommend(self, account: str) -> Recommendation:
        """What to offer an account next, grounded in its history and the stock table."""
        if not self.accounts:
            return Recommendation(account, None, has_data=False)
        match = self._find_account(account)
        if match.account is None:
            return Recommendation(account, None, closest=match.closest, ambiguous=match.ambiguous)
        return Recommendation(
            account, match.account, _suggest(match.account, self.accounts, self.products)
        )

    def _find_account(self, query: str) -> _AccountMatch:
        """Account id or company name, exact, then a unique part of a name, then shared words."""
        q = _norm(query)
        if not q:
            return _AccountMatch(None, tuple(a.company for a in self.accounts[:5]))
        exact = [a for a in self.accounts if q in (_norm(a.account_id), _norm(a.company))]
        if len(exact) == 1:
            return _AccountMatch(exact[0])
        partial = [a for a in self.accounts if q in _norm(a.company)]
        if len(partial) == 1:
            return _AccountMatch(partial[0])
        if len(partial) > 1:
            return _AccountMatch(None, tuple(a.company for a in partial), ambiguous=True)
        query_terms = terms(query) - _NOT_A_NAME
        top = [a for a in self.accounts if query_terms and _names_all(query_terms, a.company)]
        if len(top) == 1:
            return _AccountMatch(top[0])
        if top:
            return _AccountMatch(None, tuple(a.company for a in top), ambiguous=True)
        names = {a.company: a.company + " " + a.account_id for a in self.accounts}
        return _AccountMatch(None, _closest(query, names))


_NOT_A_NAME = frozenset(
    terms("account accounts company customer client inc ltd llc corp corporation gmbh")
)
"""Words a caller may add around a company's name ("the Northgate account")."""


def _names_all(query_terms: set[str], company: str) -> bool:
    """Whether every word of the query is a word of ``company``, or a slip of one: a company
    that shares only some words is another company ("Northbay Foods" is not "Northgate Fresh
    Foods"), and handing over its orders would tell a customer someone else's business."""
    names = terms(company)
    return all(
        word in names
        or any(difflib.SequenceMatcher(None, word, name).ratio() >= 0.85 for name in names)
        for word in query_terms
    )


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _match_products(query: str, products: tuple[Product, ...]) -> tuple[Product, ...]:
    """SKU (also inside a phrase, any spelling: ct100, CT-100) > name terms > near-spelling."""
    q = _norm(query)
    if not q:
        return ()
    tokens = [_norm(t) for t in re.split(r"\s+", query) if _norm(t)]
    pairs = {a + b for a, b in zip(tokens, tokens[1:], strict=False)}
    by_sku = [p for p in products if _norm(p.sku) in ({q} | set(tokens) | pairs)]
    if by_sku:
        return tuple(by_sku)
    by_name = [p for p in products if _norm(p.name) == q]
    if by_name:
        return tuple(by_name)
    product_terms = [terms(f"{p.name} {p.category}") for p in products]
    vocabulary = sorted(set().union(*product_terms))
    query_terms = terms(query)
    # A misspelt word ("grinderr") counts as the known word it is closest to.
    spelled = {
        t
        if t in vocabulary
        else next(iter(difflib.get_close_matches(t, vocabulary, n=1, cutoff=0.8)), t)
        for t in query_terms
    }
    if spelled:
        scored = [
            (len(spelled & pt) / len(spelled), p)
            for pt, p in zip(product_terms, products, strict=False)
        ]
        best = max(score for score, _ in scored)
        if best >= 0.5:
            return tuple(p for score, p in scored if score == best)
    near = difflib.get_close_matches(
        q, [_norm(p.sku) for p in products] + [_norm(p.name) for p in products], n=1, cutoff=0.8
    )
    if near:
        return tuple(p for p in products if near[0] in (_norm(p.sku), _norm(p.name)))
    return ()


def _closest(query: str, labels: dict[str, str], n: int = 3) -> tuple[str, ...]:
    """The ``n`` labels whose text is most like the query (spelling and shared words)."""
    q = _norm(query)
    query_terms = terms(query)

    def likeness(text: str) -> float:
        shared = len(query_terms & terms(text)) / max(1, len(query_terms))
        return shared + difflib.SequenceMatcher(None, q, _norm(text)).ratio()

    return tuple(sorted(labels, key=lambda label: likeness(labels[label]), reverse=True)[:n])


def _suggest(
    account: Account, accounts: tuple[Account, ...], products: tuple[Product, ...]
) -> tuple[Suggestion, ...]:
    """Ranked: accessories named for a product they own, re-orders of consumables, products that
    other accounts of the same industry buy, products bought by accounts that own what they own,
    products in a category they buy but have not tried. In stock first; at most three."""
    owned = {o.sku.upper() for o in account.orders}
    last: dict[str, OrderLine] = {o.sku.upper(): o for o in account.orders}
    peers: dict[str, list[str]] = defaultdict(list)
    alike: dict[str, list[str]] = defaultdict(list)
    for other in accounts:
        if other is account:
            continue
        theirs = sorted({o.sku.upper() for o in other.orders})
        same_industry = bool(account.industry) and other.industry == account.industry
        for sku in theirs:
            if same_industry:
                peers[sku].append(other.company)
            elif owned & set(theirs):
                alike[sku].append(other.company)
    bought_categories: dict[str, list[str]] = defaultdict(list)
    for p in products:
        if p.sku.upper() in owned and p.category:
            bought_categories[p.category].append(p.sku)
    ranked: list[tuple[int, int, Suggestion]] = []
    for p in products:
        sku = p.sku.upper()
        for_owned = [
            s for s in owned if s != sku and re.search(rf"\b{re.escape(s)}\b", p.name.upper())
        ]
        if sku in owned:
            if _CONSUMABLE.search(f"{p.category} {p.name}"):
                line = last[sku]
                reason = (
                    f"a consumable they re-order: last ordered "
                    f"{line.quantity:,} on {line.order_date}"
                )
                ranked.append((1, 0, Suggestion(p, reason)))
        elif for_owned:
            ranked.append(
                (
                    0,
                    0,
                    Suggestion(p, f"an accessory for the {', '.join(sorted(for_owned))} they own"),
                )
            )
        elif peers.get(sku):
            reason = f"other {account.industry} customers buy it ({_names(peers[sku])})"
            ranked.append((2, -len(peers[sku]), Suggestion(p, reason)))
        elif alike.get(sku):
            reason = f"customers who own the same products buy it ({_names(alike[sku])})"
            ranked.append((3, -len(alike[sku]), Suggestion(p, reason)))
        elif p.category in bought_categories:
            same = ", ".join(bought_categories[p.category])
            reason = f"they buy {p.category} products ({same}) but have never ordered this one"
            ranked.append((4, 0, Suggestion(p, reason)))
    ranked.sort(key=lambda r: (r[2].product.in_stock == 0, r[0], r[1]))
    return tuple(s for _, _, s in ranked[:_MAX_RECOMMENDATIONS])


def _names(names: list[str], shown: int = 3) -> str:
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"
