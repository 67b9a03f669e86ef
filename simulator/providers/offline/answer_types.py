"""What kind of answer a question asks for, and whether a sentence gives one.

"What would the CT-100 set me back?" wants a money amount; "how long..." a duration; "where..."
a place; "who runs..." a person. A sentence that mentions the CT-100 but no price does not answer
the first, however close its words are. These are cues of English questions and of how facts
are written (currency signs, units, capitalised names), never a company's own vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

AnswerType = Literal[
    "money", "percent", "duration", "count", "distance", "temperature", "frequency", "place",
    "person", "year", "since", "clock",
]  # fmt: skip

NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|ninety|hundred|thousand|half|a dozen"
)
_NUMBER = rf"(?:\d[\d,.]*|\b(?:{NUMBER_WORDS})\b)"
_TIME_UNIT = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|quarters?)"

# -- what a question asks for ------------------------------------------------------------------

_DISCOUNT = re.compile(
    r"\b(?:discounts?|cheaper|any savings?|save (?:us )?(?:any|anything|something|money)|"
    r"knock\w* (?:anything|something|much) off|take off|money off|"
    r"off the (?:list|price|bill)|break on|deal on|any deal|reduction|get (?:anything )?back|"
    r"anything (?:back|in it for)|something in it|reward|do you do anything for|special rate|"
    r"better (?:price|rate|deal)|(?:kind of|any) break\b|hik\w+|increase|rais\w+ (?:the|your|our) "
    r"price|price rises?)\b",
    re.I,
)
_MONEY = re.compile(
    r"\b(?:how much (?!time|longer|notice|data|memory|storage|of\b)|costs?|costing|price[sd]?|"
    r"pricing|charge[sd]?|fees?|(?<!you )pay(?:ing)?|set (?:me|us) back|go(?:es)? for|"
    r"rates?(?! limit)|quote|spend|(?:cheap|expensive|pric(?:y|ie))\w*|surcharge|to buy|"
    r"add (?:to )?(?:the |our |my )?(?:bill|price|invoice)|what does (?:that|it|this) add)\b",
    re.I,
)
_HOW_MANY = re.compile(r"\bhow many\b(?! (?:times|days|hours|weeks|months|years|minutes))", re.I)
_HOW_MANY_TIME = re.compile(r"\bhow many (?:days|hours|weeks|months|years|minutes)\b", re.I)
_SINCE = re.compile(
    r"\bhow long (?:have|has) (?:you|your|the company|they)\b.*\b(?:business|around|existed|"
    r"going|trading)\b|\bwhat year\b|\bsince when\b|\bwhen (?:was|were) .* (?:founded|started)\b|"
    r"\bwhen did (?:you|they|the company)\b(?:\s\w+){0,2}?\s(?:get\s)?(?:start|begin|launch|open)",
    re.I,
)
_DURATION = re.compile(
    r"\bhow (?:long|soon|quickly|fast)\b|\bhow far (?:ahead|in advance)\b|\bhow much (?:time|"
    r"notice)\b|\bturnaround\b|\bresponse time\b|\bwithin what time\b|\bhow late\b|"
    r"\b(?:straight|right) away\b|\bimmediately\b",
    re.I,
)
_FREQUENCY = re.compile(r"\bhow often\b|\bhow frequently\b|\bhow regularly\b", re.I)
_DISTANCE = re.compile(
    r"\bhow far\b(?! (?:ahead|in advance|off\b))|\bwhat range\b|\bhow much range\b", re.I
)
_TEMPERATURE = re.compile(
    r"\bhow (?:cold|hot|warm|low|high) (?:can|does|will|do)\b|\bwhat temperatures?\b|"
    r"\btemperature range\b",
    re.I,
)
_PRECISION = re.compile(r"\bhow (?:accurate|precise|far off)\b|\baccuracy\b|\bprecision\b", re.I)
_PERCENT = re.compile(r"\bwhat (?:percentage|percent|share)\b|\bhow much (?:of|off)\b", re.I)
_LIMIT = re.compile(
    r"\b(?:maximum|minimum|cap|limit|at least|at most|up to how|how hard|how big)\b", re.I
)
_WHEN = re.compile(r"\band when\b|\bwhen\W*$|\bin what year\b", re.I)
_CLOCK = re.compile(r"\b(?:at )?what time\b", re.I)
_PLACE = re.compile(
    r"^\W*(?:(?:and|so|but|ok|okay|good \w+)\W+)?(?:where|whereabouts)\b|\bwhereabouts\b|"
    r"\b(?:which|what) (?:country|city|region|countries|cities|location)\b|"
    r"\bwhere (?:is|are|do|does|would|will|can)\b|\band where\b|\bwhere\W*$",
    re.I,
)
_PERSON = re.compile(
    r"\bwho(?:'s| is| are)? (?:(?:the|your) )?(?:boss|ceo|founders?|head|charge|in charge|leads?|"
    r"runs?|started|founded|owns?|set up|behind)\b|\bwho (?:runs|founded|started|leads|owns|"
    r"set up|created)\b|\bwho(?:'s| is) (?:running|leading)\b",
    re.I,
)


def wanted(question: str) -> frozenset[AnswerType]:
    """The kinds of answer ``question`` asks for (any one satisfies it); empty: no particular
    kind (a yes/no question, a "what is..." question)."""
    q = question
    kinds: set[AnswerType] = set()
    if _SINCE.search(q):
        kinds.add("since")  # "how long have you been in business": the year it began
    elif _WHEN.search(q):
        kinds.add("year")
    if _DISCOUNT.search(q):
        kinds |= {"percent", "money"}
    elif _PERCENT.search(q):
        kinds.add("percent")
    elif _MONEY.search(q):
        kinds.add("money")
    if _CLOCK.search(q):
        kinds.add("clock")
    elif _SINCE.search(q):
        pass  # "how long have you been in business" asks for a year, not a duration
    elif _HOW_MANY_TIME.search(q) or _DURATION.search(q):
        kinds.add("duration")
    elif _FREQUENCY.search(q):
        kinds |= {"frequency", "duration"}
    elif _HOW_MANY.search(q) or _LIMIT.search(q):
        kinds.add("count")
    if _DISTANCE.search(q):
        kinds.add("distance")
    if _TEMPERATURE.search(q):
        kinds.add("temperature")
    if _PRECISION.search(q):
        kinds |= {"percent", "temperature", "distance"}
    if _PLACE.search(q):
        kinds.add("place")
    if _PERSON.search(q):
        kinds.add("person")
    return frozenset(kinds)


# -- what a sentence gives ---------------------------------------------------------------------

_GIVES_MONEY = re.compile(
    rf"[$€£¥]\s?\d|\d\s?(?:dollars|euros|pounds|usd|eur|gbp)\b|\b(?:usd|eur|gbp)\s?\d|"
    rf"\b(?:free of charge|no (?:extra |additional )?charge|at no (?:extra |additional )?cost|"
    rf"(?:is|are|ships?|shipping is) free|custom quote|{_NUMBER} (?:dollars|euros|pounds)|"
    rf"(?:{_NUMBER}|first|one) (?:\w+ )?(?:months?|weeks?) (?:free|at no charge))\b|"
    r"\bfee of \d+\s?%|\d\s?% of (?:the |that |its |their )?(?:remaining |total |annual |monthly )?"
    r"(?:subscription|fees?|price|contract|value|order|invoice|bill)",
    re.I,
)
_GIVES_PERCENT = re.compile(rf"\d\s?%|{_NUMBER}[ -]percent\b|\bhalf\b", re.I)
_GIVES_DURATION = re.compile(
    rf"{_NUMBER}(?:\s|-)(?:(?:working|business|calendar)\s)?{_TIME_UNIT}\b|"
    r"\b(?:a|one|within a|the same|next)(?:\s|-)(?:business |working )?"
    r"(?:day|week|month|year|hour)\b|"
    r"\bovernight\b|\bimmediately\b|\bat once\b|\bNet \d+",
    re.I,
)
_GIVES_FREQUENCY = re.compile(
    r"\b(?:every|each|per|once a|twice a|a) (?:\w+ )?(?:day|week|month|year|quarter|hour|minute)\b|"
    r"\b(?:annually|yearly|monthly|weekly|daily|hourly|quarterly|nightly)\b|\btimes a\b",
    re.I,
)
_GIVES_DISTANCE = re.compile(
    rf"{_NUMBER}\s?(?:m|km|metres?|meters?|feet|ft|miles?|yards?)\b(?!-)", re.I
)
_GIVES_TEMPERATURE = re.compile(r"°|\bdegrees?\b|[-+−]\s?\d+\s?(?:°|c\b|f\b)", re.I)
_CODE = re.compile(r"\b[A-Z]{1,6}-?\d+[A-Z]?\b")
_DIGITS = re.compile(r"(?<![\w-])\d[\d,.]*(?![\w-])")
_GIVES_COUNT_WORDS = re.compile(rf"\b(?:{NUMBER_WORDS}|unlimited|no limit|dozens?)\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_PLACE_AFTER = re.compile(
    r"\b(?:in|at|from|near|to|based in|located in|hosted in|out of)\s+(?:the\s+)?"
    r"(?-i:[A-Z][\w.'-]+)"
)
_ADDRESS = re.compile(
    r"\d+\s+(?-i:[A-Z])\w+\s+(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Way|Lane|"
    r"Drive|Square|Place)\b|\b(?-i:[A-Z])\w+, (?-i:[A-Z])\w+(?:, (?-i:[A-Z])\w+)?\b",
    re.I,
)
_CLOUD_REGION = re.compile(r"\b[a-z]{2,}-[a-z]+-?\d\b")
_ORGANISATION = (
    r"Capital|Partners|Ventures|Group|Holdings|Bank|Funds?|Labs|Investments|Equity|Management|"
    r"Inc|Ltd|LLC|GmbH|Technologies|Systems|Solutions|Foods|Health|Canada|Europe|America"
)
_NAME = (
    r"(?-i:(?:(?:Dr|Mr|Mrs|Ms|Prof)\.?\s)?[A-Z][a-zà-ÿ'’-]+(?:\s[A-Z]\.)?\s"
    rf"(?!(?:{_ORGANISATION})\b)[A-Z][a-zà-ÿ'’-]+)"
)
"""A person's name ("Dr. Priya Nandakumar", "Daniel Reyes"), not a firm's ("Harbourline
Capital")."""
_PERSON_NAMED = re.compile(
    rf"\bby {_NAME}|{_NAME}\s*(?:\(|,|—|–|-)\s*(?:co-?founder|founder|ceo|cto|cfo|coo|chief|"
    rf"president|vp|vice president|head|director|managing)|(?:ceo|founder|founded by|chief "
    rf"executive(?: officer)?|president|led by|run by)\W+(?:is |are )?{_NAME}",
    re.I,
)


def gives(text: str, kinds: frozenset[AnswerType]) -> bool:
    """Whether ``text`` states an answer of one of ``kinds`` (True when no kind is wanted)."""
    return not kinds or any(_GIVES[kind](text) for kind in kinds)


def _count(text: str) -> bool:
    plain = _CODE.sub(" ", text)
    return bool(_DIGITS.search(plain) or _GIVES_COUNT_WORDS.search(plain))


def _place(text: str) -> bool:
    return bool(
        _PLACE_AFTER.search(_CODE.sub(" ", text))
        or _ADDRESS.search(text)
        or _CLOUD_REGION.search(text)
    )


_BEGAN = re.compile(
    r"\b(?:founded|founding|established|started|launched|incorporated|set up|formed|began|"
    r"in business)\b",
    re.I,
)
_GIVES_CLOCK = re.compile(
    r"\b\d{1,2}:\d{2}\b|\b\d{1,2}\s?(?:am|pm|a\.m\.|p\.m\.)|\bmidnight\b|\bnoon\b", re.I
)

_GIVES: dict[AnswerType, Callable[[str], bool]] = {
    "money": lambda t: bool(_GIVES_MONEY.search(t)),
    "percent": lambda t: bool(_GIVES_PERCENT.search(t)),
    "duration": lambda t: bool(_GIVES_DURATION.search(t)),
    "count": _count,
    "distance": lambda t: bool(_GIVES_DISTANCE.search(t)),
    "temperature": lambda t: bool(_GIVES_TEMPERATURE.search(t)),
    "frequency": lambda t: bool(_GIVES_FREQUENCY.search(t) or _GIVES_DURATION.search(t)),
    "place": _place,
    "person": lambda t: bool(_PERSON_NAMED.search(t)),
    "year": lambda t: bool(_YEAR.search(t)),
    "since": lambda t: bool(_YEAR.search(t) and _BEGAN.search(t)),
    "clock": lambda t: bool(_GIVES_CLOCK.search(t)),
}
