"""Find the checkable statements in a text: prices, percentages, quantities, dates and named facts.

The claim check (:mod:`simulator.claims`) runs this same extractor over an agent's reply and over
every passage of the knowledge base, then compares what it found. Because both sides are read
the same way, "eleven dollars a sensor every month" in the playbook meets "$11 per sensor per
month" in a reply, and "sixty-three percent" meets "63%". What counts:

- price: a currency sign or word with a number (``$1.2 million``, ``eleven dollars``), with what it
  is per (``per sensor per month``, ``a month``);
- percentage: ``63%``, ``sixty-three percent``;
- quantity: a number with a unit (``5 years``, ``60-day``, ``-80 °C``, ``150 sensors``); numbers in
  words only with a measuring unit (``ten business days``), so "two things" is not a claim;
- date: ``30 September 2025``, ``January 2026``, ``2026-04-06``, ``Q3``, a year such as ``2017``;
- named fact: certifications and standards (``SOC 2 Type II``, ``ISO 27001``, ``21 CFR Part 11``,
  ``HIPAA``), product codes (``CT-100``) and brand names (``ColdTrace Complete``).

Numbers inside codes, versions, phone numbers and times are not claims of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from simulator import number_words
from simulator.events import ClaimKind
from simulator.knowledge import keywords

_DIGITS = re.compile(
    r"(?<![\w.,/:\-])(?P<sign>[-+−](?=\d)|±\s?)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>million|thousand|billion|bn|k)\b)?(?![\w/]|[.:,]\d)",
    re.I,
)
_CURRENCY_BEFORE = re.compile(
    r"(?:(?P<sym>US\$|\$|€|£)|\b(?P<code>USD|EUR|GBP|NOK|SEK|DKK|CHF)\s?)\s*$"
)
_CURRENCY_AFTER = re.compile(
    r"^(?:\s*|-)(?P<word>dollars?|euros?|pounds?|cents?|USD|EUR|GBP|NOK|kroner)\b", re.I
)
_CURRENCIES = {
    "$": "usd",
    "us$": "usd",
    "€": "eur",
    "£": "gbp",
    "dollar": "usd",
    "dollars": "usd",
    "euro": "eur",
    "euros": "eur",
    "pound": "gbp",
    "pounds": "gbp",
    "kroner": "nok",
    "cent": "usd",
    "cents": "usd",
}
_HUNDREDTHS = frozenset(["cent", "cents"])
_PER = re.compile(
    r"^(?:\s*(?:(?:per|a|an|each|every)\b|/)\s*(?!and\b|or\b|to\b|for\b|in\b|on\b|of\b|the\b)"
    r"(?:(?:extra|additional|active|replaced|named|connected|monitored|single|new)\s+)?"
    r"[A-Za-z][A-Za-z-]*(?:\s+(?:days?|hours?|months?|years?|sensors?|sites?|users?|units?)\b)?)+",
    re.I,
)
_PERIODS = {
    "month": "month",
    "monthly": "month",
    "mo": "month",
    "year": "year",
    "yearly": "year",
    "annual": "year",
    "annually": "year",
    "annum": "year",
    "week": "week",
    "weekly": "week",
    "day": "day",
    "daily": "day",
}
_ONE_TIME_AFTER = re.compile(
    r"^[\s,]*(?:as\s+a\s+)?(?:one[- ]time|once|one[- ]off|upfront|up[- ]front|flat)\b", re.I
)
_PERIOD_AFTER = re.compile(r"^[\s,]*(monthly|annually|yearly|weekly|daily)\b", re.I)
_PERIOD_BEFORE = re.compile(
    r"\b(one[- ]time|one[- ]off|upfront|up[- ]front|monthly|annual|yearly|weekly|daily)\s+"
    r"(?:[a-z-]+\s+){0,2}(?:of\s+|at\s+|is\s+|costs?\s+)?$",
    re.I,
)
_FRACTIONS = re.compile(
    r"\b(?P<what>(?:a|one)\s+third|two[- ]thirds|a\s+quarter|three[- ]quarters|half)"
    r"(?=\s+(?:off|discount|price|of\s+the\s+(?:price|fee|subscription|list)))",
    re.I,
)
_FRACTION_VALUES = {
    "third": 100 / 3,
    "thirds": 200 / 3,
    "quarter": 25.0,
    "quarters": 75.0,
    "half": 50.0,
}
_PERCENT = re.compile(r"^\s?(?:%|percent\b|per cent\b|percentage points?\b)", re.I)
_RANGE_TO = re.compile(r"^\s*(?:–|—|-|to)\s*", re.I)
_UNIT = re.compile(
    r"^(?:\s?-\s?|\s)?(?P<unit>°\s?[CF]\b|°|[µμ][a-z]{1,2}\b|[A-Z]{2,5}-\d[A-Z0-9]*|[A-Za-z][A-Za-z]*)",
    re.I,
)
_MEASURES = frozenset(
    keywords.stem(w)
    for w in [
        "second",
        "minute",
        "hour",
        "day",
        "week",
        "month",
        "year",
        "decade",
        "mm",
        "µm",
        "nm",
        "cm",
        "millimetre",
        "millimeter",
        "centimetre",
        "centimeter",
        "kilometre",
        "kilometer",
        "m",
        "km",
        "ft",
        "inch",
        "meter",
        "metre",
        "kg",
        "g",
        "gram",
        "lb",
        "ml",
        "l",
        "litre",
        "liter",
        "gb",
        "mb",
        "kb",
        "tb",
        "w",
        "kw",
        "v",
        "mah",
        "ghz",
        "mhz",
        "db",
        "dbm",
        "hz",
        "°c",
        "°f",
        "°",
        "degree",
        "business-day",
        "working-day",
        "sensor",
        "gateway",
        "site",
        "user",
        "reading",
        "request",
        "time",
    ]
)
_PARTS = ("half", "halv", "third", "quarter", "fifth", "tenth", "hundredth", "thousandth")
"""Not things counted: "three tenths of a degree" is a fraction."""
_MULTI_UNITS = ("business", "working", "calendar", "technician", "engineer")
_LABELS = frozenset(
    [
        "tls",
        "saml",
        "scim",
        "openapi",
        "mqtt",
        "lorawan",
        "version",
        "v",
        "rev",
        "type",
        "iso",
        "soc",
        "part",
        "annex",
        "class",
        "ieee",
        "ecc",
        "step",
        "phase",
        "tier",
        "size",
        "model",
        "level",
        "p",
        "no",
        "number",
        "room",
        "net",
        "q",
        "fcc",
        "cfr",
        "aes",
        "ssl",
    ]
)
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|Sept?|October|"
    r"November|December)"
)
_DATES = [
    re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<mnum>\d{2})-(?P<day>\d{2})\b"),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s+(?P<year>(?:19|20)\d{{2}})\b"),
    re.compile(
        rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d{{2}})\b"
    ),
    re.compile(rf"\b{_MONTH}\s+(?P<year>(?:19|20)\d{{2}})\b"),
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"),
    re.compile(r"\bQ(?P<quarter>[1-4])(?:\s+(?P<year>(?:19|20)\d{2}))?\b"),
]
_YEAR = re.compile(r"(?<![\w.,/:\-$€£])(?P<year>(?:19|20)\d{2})(?![\w,/%]|\.\d)")
_NAMED = [
    (
        "certification",
        re.compile(
            r"\bSOC\s?[123](?:\s+Type\s+(?:II|I|2|1)\b)?|\bISO(?:/IEC)?\s?\d{4,5}(?:-\d+)?(?::\d{4})?"
            r"|\b(?:HIPAA|HITRUST|FedRAMP|GDPR|CCPA|TISAX|UKCA|RoHS|ATEX|IECEx|NIST)\b|\bPCI[-\s]?DSS\b"
            r"|\bFIPS\s?140-\d\b|\bCSA\s+STAR\b|\b21\s?CFR\s?Part\s?11\b|\b(?:EU\s+)?(?:GMP\s+)?Annex\s?11\b"
            r"|\bPart\s11\b|\bCyber\s+Essentials(?:\s+Plus)?\b|\bFCC\s+Part\s+\d+\b|\bCE\b|\bIP\d{2}\b"
            r"|\bEN\s?\d{4,5}\b|\bUL\s?\d{3,4}\b|\bAES-\d{3}\b"
            r"|\b(?:TLS|SSL|SAML|SCIM|OAuth|MQTT|LoRaWAN|OpenAPI)\s?\d(?:\.\d+)+"
        ),
    ),
    ("code", re.compile(r"\b[A-Z]{2,5}-\d[A-Z0-9]{0,5}\b|\b[A-Z]{2,4}\d{2,4}[A-Z]?\b")),
    ("brand", re.compile(r"\b[A-Z][a-z]+[A-Z][A-Za-z]+(?:\s+[A-Z][a-z]+){1,2}\b")),
]
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_MASKS = [
    re.compile(r"\+?\d{1,3}(?:[ -]\d{2,4}){2,}"),  # phone numbers
    re.compile(r"\b\d{1,2}:\d{2}\b(?:\s?[ap]\.?m\.?)?", re.I),  # times of day
    re.compile(r"\b\d+(?:/\d+)+\b"),  # 24/7, 24/7/365
    re.compile(r"\b\d+(?:\.\d+){2,}\b"),  # versions 1.0.4
]


@dataclass(frozen=True)
class Statement:
    """One checkable statement found in a text."""

    kind: ClaimKind
    text: str
    start: int
    end: int
    key: str
    """Its canonical value: ``usd:11`` for a price, ``63`` for a percentage, ``2025-09`` for a date,
    ``iso 27001`` for a named fact. Two statements with the same kind and key say the same thing."""
    amount: float | None = None
    unit: str = ""
    """A quantity's unit (``year``, ``sensor``, ``°c``); a named fact's category."""
    qualifier: frozenset[str] = field(default_factory=frozenset)
    """A price's ``per`` terms (``{sensor, month}``); the words after a quantity's unit."""
    period: str = ""
    """How often a price is paid, when the text says: ``month``, ``year``, ``week``, ``day`` or
    ``one-time``."""
    approximate: bool = False
    """Said as a fraction ("a third off"): equal to a figure within half a point."""
    upper: float | None = None
    """The top of a range this value opens ("500–1,999", "2,000 or more": ``inf``)."""
    bound: str = ""
    """``above`` ("more than 10 sensors") or ``below`` ("up to 10"): a limit, not a value."""
    soft: bool = False
    """A count under ten in words ("five sales channels", "eight LEDs"; but also "two things
    might help") or a frequency ("every quarter", "twice a year"; but also "renew every
    year"): found only when asked for (``soft``), and a claim only where the material states
    the same thing otherwise."""


def find_statements(text: str, *, soft: bool = False) -> list[Statement]:
    """Every statement in ``text``, in order, spans never overlapping; with ``soft``, counts
    under ten in words and frequencies too (see :attr:`Statement.soft`)."""
    always = [m.span() for m in _ALWAYS.finditer(text)]
    taken: list[tuple[int, int]] = [
        m.span() for mask in _MASKS for m in mask.finditer(text) if not _overlaps(m.span(), always)
    ]
    found: list[Statement] = []
    for category, pattern in _NAMED:
        for m in pattern.finditer(text):
            if not _overlaps(m.span(), taken):
                taken.append(m.span())
                found.append(
                    Statement(
                        "named_fact",
                        m.group(0),
                        m.start(),
                        m.end(),
                        named_key(m.group(0)),
                        unit=category,
                    )
                )
    for statement in _dates(text, taken):
        taken.append((statement.start, statement.end))
        found.append(statement)
    for statement in _phrased(text, taken):
        taken.append((statement.start, statement.end))
        found.append(statement)
    for m in _FRACTIONS.finditer(text):
        if not _overlaps(m.span(), taken):
            taken.append(m.span())
            value = _FRACTION_VALUES[m.group("what").lower().split()[-1].split("-")[-1]]
            found.append(
                Statement(
                    "percentage",
                    m.group(0),
                    m.start(),
                    m.end(),
                    _num(round(value, 2)),
                    amount=round(value, 2),
                    approximate=True,
                )
            )
    for statement in _numbers(text, taken):
        found.append(statement)
    found = _ranges(text, sorted(found, key=lambda s: s.start))
    return found if soft else [s for s in found if not s.soft]


_A_UNIT = re.compile(
    r"\b(?:within|in|under|every|after|about)\s+(?P<what>an?\s+(?P<unit>second|minute|hour|day|week|month|year))\b",
    re.I,
)
_FREQUENCY = re.compile(
    r"\b(?:(?P<n>once|twice|(?:three|four|five|six|\d+)\s+times)\s+(?:a|an|per|every)\s+"
    r"|(?:every|each)\s+)(?P<unit>day|week|month|quarter|year)\b"
    r"|\b(?P<adverb>daily|weekly|monthly|quarterly|annually|yearly)"
    r"(?=\s*(?:[.,;:!?)]|$|\s(?:to|into|on|in|by|at|from|and|or|via|through)\b))",
    re.I,
)
"""How often: "every quarter", "twice a year", "three times a month" (times per year)."""
_TIMES = {"once": 1.0, "twice": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "six": 6.0}
_ADVERBS = {
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "annually": "year",
    "yearly": "year",
}
_PER_YEAR = {"day": 365.0, "week": 52.0, "month": 12.0, "quarter": 4.0, "year": 1.0}
_ALWAYS = re.compile(r"\b24\s?/\s?7(?:\s?/\s?365)?|\b(?:a|)round[- ]the[- ]clock\b", re.I)
_UNLIMITED = re.compile(r"\bunlimited((?:\s+[a-z][a-z-]*){1,2})", re.I)
_LIFETIME = re.compile(
    r"\b(?:lifetime|lifelong|life-long)(?= (?:warranty|guarantee|cover|coverage|support|"
    r"licen[cs]e|access|updates?)\b)",
    re.I,
)
"""A term said as for ever ("a lifetime warranty"): a duration with no end."""


def _phrased(text: str, taken: list[tuple[int, int]]) -> list[Statement]:
    """Values said without digits: "within a minute" (1 minute), "around the clock" and
    "24/7" (always available), "unlimited users" (no limit)."""
    out: list[Statement] = []
    for m in _FREQUENCY.finditer(text):
        if _overlaps(m.span(), taken):
            continue
        times = _TIMES.get((m.group("n") or "once").lower().split()[0], 0.0)
        if not times and m.group("n"):
            times = float(m.group("n").split()[0])
        unit = m.group("unit") or _ADVERBS[m.group("adverb").lower()]
        per_year = round(times * _PER_YEAR[unit.lower()], 2)
        out.append(
            Statement(
                "quantity",
                m.group(0),
                m.start(),
                m.end(),
                f"{_num(per_year)}|per-year",
                per_year,
                "per-year",
                soft=True,
            )
        )
        taken.append(m.span())
    for m in _A_UNIT.finditer(text):
        unit = keywords.stem(m.group("unit").lower())
        start, end = m.span("what")
        if not _overlaps((start, end), taken):
            out.append(Statement("quantity", m.group("what"), start, end, f"1|{unit}", 1.0, unit))
    for m in _ALWAYS.finditer(text):
        if not _overlaps(m.span(), taken):
            out.append(Statement("quantity", m.group(0), m.start(), m.end(), "24/7", 1.0, "always"))
    for m in _LIFETIME.finditer(text):
        if not _overlaps(m.span(), taken):
            what = re.compile(r" [\w-]+").match(text, m.end())  # "warranty"
            end = what.end() if what else m.end()
            out.append(
                Statement(
                    "quantity",
                    text[m.start() : end],
                    m.start(),
                    end,
                    "inf|year",
                    float("inf"),
                    "year",
                )
            )
    for m in _UNLIMITED.finditer(text):
        words = m.group(1).split()
        while words and words[-1].lower() in keywords.STOPWORDS:
            words.pop()
        if not words or _overlaps(m.span(), taken):
            continue
        unit = keywords.stem(words[-1].lower().split("-")[-1])
        end = m.start(1) + m.group(1).find(words[-1]) + len(words[-1])
        out.append(
            Statement(
                "quantity", text[m.start() : end], m.start(), end, f"inf|{unit}", float("inf"), unit
            )
        )
    return out


_OR_MORE = re.compile(r"^\s*(?:\+|or\s+more\b|and\s+(?:up|above|over)\b)", re.I)


def _ranges(text: str, found: list[Statement]) -> list[Statement]:
    """Mark the first value of a range ("500–1,999", "2,000 or more") with the range's top."""
    out = list(found)
    for n, statement in enumerate(found):
        if statement.kind not in ("quantity", "percentage", "price"):
            continue
        after = text[statement.end : statement.end + 20]
        following = found[n + 1] if n + 1 < len(found) else None
        if (
            following is not None
            and following.kind == statement.kind
            and _RANGE_TO.fullmatch(text[statement.end : following.start].replace("$", "") or "x")
            and following.amount is not None
        ):
            out[n] = replace(statement, upper=following.amount)
            if statement.kind == "quantity" and not statement.unit and following.unit:
                # "10–24 locations": both ends count locations
                out[n] = replace(
                    out[n],
                    unit=following.unit,
                    key=f"{_num(statement.amount or 0)}|{following.unit}",
                    qualifier=following.qualifier,
                )
        elif _OR_MORE.match(after) and statement.amount is not None:
            out[n] = replace(statement, upper=float("inf"))
        before = text[max(0, statement.start - 16) : statement.start]
        if _ABOVE.search(before) and not _ACROSS.search(before + statement.text):
            out[n] = replace(out[n], bound="above")
        elif _BELOW.search(before):
            out[n] = replace(out[n], bound="below")
    return out


_ABOVE = re.compile(r"\b(?:more than|over|above|at least|beyond|past|minimum of)\s+$", re.I)
_ACROSS = re.compile(r"(?<!\bfor )(?<!\bin )\bover\s+\S+\s+(?:days?|weeks?|months?|years?)$", re.I)
""""Financed over 24 months" spans them (a term, not a limit); "for over 10 years" is more."""
_BELOW = re.compile(r"\b(?:up to|under|less than|fewer than|at most|below|maximum of)\s+$", re.I)


def named_key(text: str) -> str:
    """The canonical form of a named fact: ``ISO/IEC 27001:2022`` and ``ISO 27001`` meet."""
    text = re.sub(r"/IEC", "", text, flags=re.I)
    text = re.sub(r":\d{4}\b", "", text)
    return " ".join(re.findall(r"[a-z0-9]+", _DECIMAL_POINT.sub("dot", text.lower())))


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces, for finding a named fact in a passage."""
    text = re.sub(r"/IEC", "", text, flags=re.I)
    text = re.sub(r":\d{4}\b", "", text)
    return " " + " ".join(re.findall(r"[a-z0-9]+", _DECIMAL_POINT.sub("dot", text.lower()))) + " "


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def _dates(text: str, taken: list[tuple[int, int]]) -> list[Statement]:
    out: list[Statement] = []
    spans = list(taken)
    for pattern in _DATES:
        for m in pattern.finditer(text):
            if _overlaps(m.span(), spans):
                continue
            groups = m.groupdict()
            if groups.get("quarter"):
                key = f"q{groups['quarter']}" + (f"-{groups['year']}" if groups.get("year") else "")
            else:
                month = groups.get("mnum") or _month_number(groups.get("month"))
                parts = [groups.get("year") or "----", month, groups.get("day")]
                key = "-".join(
                    f"{int(p):02d}" if p and p.isdigit() and len(p) <= 2 else (p or "")
                    for p in parts
                )
                key = key.rstrip("-")
            spans.append(m.span())
            out.append(Statement("date", m.group(0), m.start(), m.end(), key))
    for m in _YEAR.finditer(text):
        after = text[m.end() : m.end() + 30]
        unit = _UNIT.match(after)
        noun = (
            unit
            and unit.group(0)[:1] == " "
            and unit.group("unit").lower() not in keywords.STOPWORDS
            and unit.group("unit")[:1].islower()
        )
        if not _overlaps(m.span(), spans) and not noun and not _label_before(text, m.start()):
            spans.append(m.span())
            out.append(Statement("date", m.group(0), m.start(), m.end(), m.group("year")))
    return out


def _month_number(name: str | None) -> str | None:
    if not name:
        return None
    lowered = name.lower()
    return str(next(n for n, month in enumerate(MONTHS, start=1) if month.startswith(lowered[:3])))


def _numbers(text: str, taken: list[tuple[int, int]]) -> list[Statement]:
    atoms: list[tuple[int, int, float, bool]] = []  # start, end, value, written in words
    for m in _DIGITS.finditer(text):
        if _overlaps(m.span(), taken) or _label_before(text, m.start()):
            continue
        value = float(m.group("num").replace(",", ""))
        sign = (m.group("sign") or "").strip()
        if sign in ("-", "−"):
            value = -value
        value *= {"million": 1e6, "thousand": 1e3, "billion": 1e9, "bn": 1e9, "k": 1e3}.get(
            (m.group("scale") or "").lower(), 1
        )
        atoms.append((m.start(), m.end(), value, False))
    for m in number_words.RUN.finditer(text):
        words = re.findall(r"[a-z]+", m.group(0).lower())
        if words in (["one"], ["zero"]) or _overlaps(m.span(), taken):
            continue
        start = m.start()
        if words[0] in number_words.SCALES:  # "a thousand dollars", "a hundred sensors"
            article = re.search(r"\b(?:a|one)[\s-]+$", text[max(0, start - 5) : start], re.I)
            if article is None:
                continue
            start -= len(article.group(0))
        atoms.append((start, m.end(), number_words.value(words), True))
    atoms.sort()
    out: list[Statement] = []
    for n, (start, end, value, in_words) in enumerate(atoms):
        statement = _classify(
            text, start, end, value, in_words, atoms[n + 1] if n + 1 < len(atoms) else None
        )
        if statement is not None and _overlaps((statement.start, statement.end), taken):
            # "640 CT-100": the unit is a product code that is a statement of its own
            statement = replace(statement, text=text[start:end], start=start, end=end)
        if statement is not None:
            out.append(statement)
    return out


def _classify(
    text: str,
    start: int,
    end: int,
    value: float,
    in_words: bool,
    following: tuple[int, int, float, bool] | None,
) -> Statement | None:
    if following is not None and in_words and _RANGE_TO.fullmatch(text[end : following[0]] or "x"):
        # "six to sixteen dollars per sensor": the first number is what the second one is
        other = _classify(text, following[0], following[1], following[2], following[3], None)
        if other is not None and other.kind in ("price", "percentage"):
            key = f"{other.unit}:{_num(value)}" if other.kind == "price" else _num(value)
            return Statement(
                other.kind,
                text[start:end],
                start,
                end,
                key,
                amount=value,
                unit=other.unit,
                qualifier=other.qualifier,
            )
    before, after = text[max(0, start - 6) : start], text[end : end + 80]
    currency = _CURRENCY_BEFORE.search(before)
    if currency and not in_words:
        start -= len(before) - currency.start()
        code = (currency.group("sym") or currency.group("code")).lower()
        return _price(text, start, end, value, _CURRENCIES.get(code, code), following)
    word = _CURRENCY_AFTER.match(after)
    if word:
        end += word.end()
        code = word.group("word").lower()
        if code in _HUNDREDTHS:  # "eight cents" is $0.08
            value = round(value / 100, 4)
        return _price(text, start, end, value, _CURRENCIES.get(code, code), following)
    percent = _PERCENT.match(after)
    if percent:
        return Statement(
            "percentage",
            text[start : end + percent.end()],
            start,
            end + percent.end(),
            _num(value),
            amount=value,
        )
    if following is not None and _RANGE_TO.fullmatch(text[end : following[0]] or "x"):
        tail = text[following[1] : following[1] + 20]
        if _PERCENT.match(tail):  # "50–80%": the first number is a percentage too
            return Statement("percentage", text[start:end], start, end, _num(value), amount=value)
    unit_match = _UNIT.match(after)
    unit = ""
    unit_end = unit_match.end() if unit_match else 0
    if unit_match:
        unit = unit_match.group("unit").lower().replace(" ", "")
        rest = after[unit_match.end() :]
        if unit in _MULTI_UNITS:
            second = re.match(r"\s+([a-z]+)", rest)
            if second:
                unit = f"{unit}-{keywords.stem(second.group(1))}"
                rest = rest[second.end() :]
                unit_end = unit_match.end() + second.end()
        elif unit[:1] in "µμ":
            unit = "µ" + unit[1:]
        elif not unit.startswith("°") and "-" not in unit:
            unit = keywords.stem(unit)
        if unit in keywords.STOPWORDS or unit in ("and", "or", "to", "x", "×", "of", "per", "a"):
            unit, rest = "", after
    else:
        rest = after
    soft = False
    if in_words and unit not in _MEASURES and (value < 10 or not unit.isalpha()):
        if value < 10 and unit.isalpha() and not unit.startswith(_PARTS):
            soft = True  # "five sales channels", but also "two things": see Statement.soft
        elif value < 10 and unit:
            return None
        else:
            unit = ""  # "past two thousand": a bare number, context for the claims around it
    span_end = end + (unit_end if unit else 0)
    clause = re.split(r"[;,:!?()]|\.(?!\d)", rest, maxsplit=1)[0]
    words = frozenset(t for t in keywords.terms(" ".join(clause.split()[:3])) if t.isalpha())
    return Statement(
        "quantity",
        text[start:span_end],
        start,
        span_end,
        f"{_num(value)}|{unit}",
        amount=value,
        unit=unit,
        qualifier=words,
        soft=soft,
    )


def _price(
    text: str,
    start: int,
    end: int,
    value: float,
    currency: str,
    following: tuple[int, int, float, bool] | None,
) -> Statement:
    after = text[end : end + 60]
    per = _PER.match(after)
    if (
        per is None
        and following is not None
        and _RANGE_TO.fullmatch(text[end : following[0]].replace("$", "") or "x")
    ):
        per = _PER.match(
            text[following[1] : following[1] + 60]
        )  # "$6–$16 per sensor": both are per sensor
        qualifier = _qualifier(per.group(0)) if per else frozenset()
        return Statement(
            "price",
            text[start:end],
            start,
            end,
            f"{currency}:{_num(value)}",
            amount=value,
            unit=currency,
            qualifier=qualifier,
            period=_period(text, start, end, qualifier),
        )
    span_end = end + (per.end() if per else 0)
    qualifier = _qualifier(per.group(0)) if per else frozenset()
    return Statement(
        "price",
        text[start:span_end],
        start,
        span_end,
        f"{currency}:{_num(value)}",
        amount=value,
        unit=currency,
        qualifier=qualifier,
        period=_period(text, start, span_end, qualifier),
    )


def _period(text: str, start: int, end: int, qualifier: frozenset[str]) -> str:
    """How often a price is paid: from its ``per`` terms, or words just after or before it."""
    for term in qualifier:
        if term in _PERIODS:
            return _PERIODS[term]
    after, before = text[end : end + 30], text[max(0, start - 40) : start]
    if _ONE_TIME_AFTER.match(after):
        return "one-time"
    word = _PERIOD_AFTER.match(after)
    if word:
        return _PERIODS[word.group(1).lower()]
    word = _PERIOD_BEFORE.search(before)
    if word:
        found = word.group(1).lower().replace(" ", "-")
        return _PERIODS.get(found, "one-time")
    return ""


def _qualifier(per_text: str) -> frozenset[str]:
    words = re.findall(r"[a-z]+", per_text.lower())
    return frozenset(
        keywords.stem(w) for w in words if w not in ("per", "a", "an", "each", "every")
    )


def _label_before(text: str, start: int) -> bool:
    previous = re.search(r"([A-Za-z][A-Za-z/]*)[\s-]*$", text[max(0, start - 12) : start])
    return previous is not None and previous.group(1).lower() in _LABELS


def _num(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else str(value)
