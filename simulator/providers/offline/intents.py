"""Generic English cues of what a customer's line is: a greeting, a question about money, about
the company itself, a stock or order-history look-up. Words any company's customers use, never a
company's own product vocabulary (topics are recognised by meaning, in :mod:`.routing`)."""

from __future__ import annotations

import re

_GREETING = re.compile(
    r"^\W*(?:hello|hi|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|day)|"
    r"thanks|thank you|cheers|nice to meet you)\b",
    re.I,
)
_INTRODUCTION = re.compile(r"\b(?:[Ii]'m|I am|[Mm]y name is|[Tt]his is)\s+[A-Z]")
"""An introduction names someone: "I'm Dana from...", not "I'm worried..."."""
MONEY = re.compile(
    r"\b(?:price[sd]?|pricing|costs?|costing|charge[sd]?|charging|pay|paying|paid|payments?|"
    r"fees?|discounts?|cheap(?:er|est)?|expensive|afford(?:able)?|budget|quotes?|quotation|"
    r"invoices?|invoiced|bill|billed|billing|refunds?|subscriptions?|money|dollars?|euros?|"
    r"pounds|spend|saving|savings|surcharge|contracts?|renew(?:al|s)?|cancel(?:lation|led)?|"
    r"trials?|pilots?|deal|terms|rates?(?! limit)|plans?(?! to)|tiers?|packages?)\b",
    re.I,
)
COMPANY = re.compile(
    r"\b(?:who (?:are|is) (?:you|your)|about (?:you|your company)|your company|founded|founders?|"
    r"started (?:the|this|your)|headquarter(?:s|ed)?|based|offices?|employees|people work|"
    r"work for you|mission|investors?|funding|your customers|customers do you have|"
    r"kinds? of (?:businesses|companies|customers)|who (?:uses|buys)|what do you do|history|"
    r"(?:you|you folks|you guys) (?:actually )?sell|headcount|in business|how big|"
    r"how many (?:businesses|customers|companies|people)|"
    r"(?:do|did) you (?:have|keep|employ) (?:any )?(?:people|anyone|anybody|staff|a team|an office)"
    r" (?:in|on|over|near|out)\b)\b",
    re.I,
)
COMPANY_MONEY = re.compile(
    r"\b(?:you|your company|the company) (?:\w+ )?(?:raise[ds]?|raising|brought in|bring in|"
    r"make|made|earn\w*)\b|\b(?:funding round|investors?|revenue|turnover|valuation)\b|"
    r"\b(?:put|puts|putting|invest\w*) (?:\w+ )?(?:money |cash )?(?:into|in) "
    r"(?:you|your company)\b",
    re.I,
)
"""Money the company itself raised or makes: a question about the company, not a price."""
_STOCK = re.compile(
    r"\b(?:in stock|out of stock|stock levels?|inventory|lead time|how many units|"
    r"have (?:any|enough) .{0,30} (?:available|on hand)|on the shelf|available (?:right )?now|"
    r"(?:have|got) .{0,30} (?:in|at) (?:the|your) [\w ]{0,20}warehouse|"
    r"ship .{0,40} from (?:the|your) [\w ]{0,20}warehouse)\b|\bstock\b",
    re.I,
)
_HISTORY = re.compile(
    r"\b(?:purchase history|order history|our (?:past |previous |last )?orders?|"
    r"(?:what|which) (?:did|have) we (?:order|ordered|buy|bought|purchase|purchased)|"
    r"(?:ordered|bought|purchased) (?:from you|before|so far)|what we (?:ordered|bought)|"
    r"(?:have|did) we (?:ordered|bought|purchased|order|buy)|on our (?:most recent |last )?order|"
    r"re-?order)\b",
    re.I,
)
_RECOMMEND = re.compile(
    r"\b(?:recommend|suggest|what else should we|what should we (?:buy|order|add))\b", re.I
)
_COMPANY_NAME = re.compile(
    r"\b(?:from|at|with|for|company is|we are|we're)[ \t]+((?:[A-Z][\w&'.-]*[ \t]?){1,5})"
)


_REQUEST = re.compile(r"\b(?:remind|tell|show|send|give|let) (?:me|us)\b|\bi (?:need|want)\b", re.I)


def is_greeting(text: str) -> bool:
    """A hello, a thank-you or an introduction, asking nothing."""
    if "?" in text or MONEY.search(text) or _REQUEST.search(text):
        return False
    if wants_stock(text) or wants_history(text):
        return False
    return bool(_GREETING.search(text) or _INTRODUCTION.search(text)) and len(text.split()) <= 25


_STOCK_COUNT = re.compile(
    r"\bhow many\b.{0,40}\b(?:do you (?:have|hold|keep)|have you got)\b.{0,20}\b(?:in|at|left)\b",
    re.I,
)
"""How many of a thing "you have in Denver": a stock look-up, unless the things are the
company's own people, offices or customers."""


_ASK_THEM = re.compile(
    r"^\W*(?:now |then |please )?(?:ask|find out|check (?:whether|if)|probe|dig into|qualify)\b",
    re.I,
)


def asks_to_ask(whisper: str) -> bool:
    """A whisper telling the agent to ask the customer something ("Ask about their budget"):
    a follow-up question to put, not a fact to mention."""
    return bool(_ASK_THEM.search(whisper))


def wants_stock(text: str) -> bool:
    return bool(_STOCK.search(text)) or bool(_STOCK_COUNT.search(text) and not COMPANY.search(text))


def wants_history(text: str) -> bool:
    return bool(_HISTORY.search(text))


def wants_recommendation(text: str) -> bool:
    return bool(_RECOMMEND.search(text))


def company_named(text: str) -> str | None:
    """The customer's company as they introduced it ("I'm Dana from Northbay Foods")."""
    matches = _COMPANY_NAME.findall(text)
    if not matches:
        return None
    # a name ends with its sentence: "from Northbay Foods. What did we order?" is Northbay Foods
    return re.split(r"[.!?][ \t]", matches[-1])[0].strip().rstrip(".")
