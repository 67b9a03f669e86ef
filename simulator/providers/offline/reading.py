"""Read a retrieved passage the way a person would before speaking from it.

A passage is Markdown (or PDF text) cut out of a document: hard-wrapped lines, bullets, tables,
sub-headings kept as lines, bold labels ("**Battery life:** up to 4 years"), playbook scaffolding
("**Prepared response:**", "**What the customer says**"). The offline responder may only say whole
sentences of the company's own words, so this module turns a passage into :class:`Unit`\\ s: whole
sentences (wrapped lines joined first), bullets and table rows spoken as sentences (a row with its
column headers), headings that state a fact ("Starter — $6 per sensor per month") as a sentence,
labels dropped or folded in. Units of one paragraph, bullet or row share a ``block``, so an
answer can take the sentence that continues its own ("No free trial... Instead, a 60-day pilot").

What is never a unit: headings that only title, quotations (what a customer might say), questions,
lines addressed to the sales team ("reps", "Ask about..."). A playbook entry (a passage with a
prepared response) is read separately (:func:`playbook_entries`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from simulator.events import Passage
from simulator.knowledge.chunking import SECTION_SEPARATOR, split_sentences

UnitKind = Literal["sentence", "bullet", "row", "heading"]


@dataclass(frozen=True)
class Unit:
    """One speakable sentence of a passage."""

    text: str
    kind: UnitKind
    heading: str
    """The heading it sits under (context for matching, never spoken by itself)."""
    passage: int
    """Rank of its passage among the turn's passages (0 = best)."""
    position: int
    """Order within the passage."""
    block: int = 0
    """The paragraph, bullet or table row it belongs to (units of one block continue each other)."""


@dataclass(frozen=True)
class PlaybookEntry:
    """An objection's entry in a playbook: what customers say, the response, follow-ups."""

    section: str
    says: tuple[str, ...]
    response: tuple[str, ...]
    """The prepared response, sentence by sentence."""
    follow_ups: tuple[str, ...]
    passage: int
    source: str = ""


_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_LABEL = re.compile(r"^\s*(?:\*\*|__)(?P<label>[^*_]{1,60}?)(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:)\s*")
_LEAD_LABEL = re.compile(r"^\s*(?:\*\*|__)(?P<label>[^*_]{1,40}?)\.(?:\*\*|__)\s*")
"""A bold lead-in that ends with a period ("**The problem.** Northgate ran..."): a title."""
_PLAIN_LABEL = re.compile(r"^(?P<label>[A-Z][\w /&()'-]{0,40}?):\s+(?=\S)")
_LABEL_ONLY = re.compile(r"^\s*(?:\*\*|__)(?P<label>[^*_]{1,60}?)(?:\*\*|__)\s*:?\s*$")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`")
_QUOTE_OPEN = ('"', "\u201c", "'", ">")
_SENTENCE_END = ".!?:;\"'\u201d)"
_RESPONSE_LABEL = re.compile(r"prepared (?:response|answer)|suggested (?:response|answer)", re.I)
_SAYS_LABEL = re.compile(r"customer says|prospect says|what (?:they|customers) say", re.I)
_FOLLOW_UP_LABEL = re.compile(r"follow-?up|discovery question|questions to ask", re.I)
_FOR_THE_TEAM = re.compile(
    r"\b(?:reps?|sales team|account executives?|talking points?|deal desk|solutions engineers?|"
    r"(?:pricing|technical) specialist|specialist should|this (?:page|wiki|guide)|"
    r"sales conversations?|sales (?:call|process)|the prospect|"
    r"(?:our|the) (?:company |sales )?pitch)\b",
    re.I,
)
_INSTRUCTION = re.compile(
    r"^(?:ask|always|never|offer|position|mention|point out|remember|log|qualify|forward|"
    r"hand (?:over|off|detailed|the)|stay|aim|lead with|keep answers|open every|use this|"
    r"(?:do not|don't) (?:offer|argue|promise|discount|disparage|lead|fill))\b",
    re.I,
)
_MONEY = re.compile(r"[$€£]\s?\d|\d\s?(?:dollars|euros|pounds|usd|eur|gbp)\b", re.I)
_HEADING_FACT = re.compile(r"^(?P<name>.+?)\s*(?:—|–|-{1,2}|:)\s+(?P<value>.*\d.*)$")
_YES_NO = re.compile(r"^(?:yes|no|both|neither|not yet|absolutely|of course)[.!]$", re.I)
_DATELINE = re.compile(
    r"^.*?\b[A-Z]{3,}[A-Z .]*,[\w .]*?\s[-–—]\s(?:January|February|March|April|May|June|July|"
    r"August|September|October|November|December)\s\d{1,2},\s\d{4}\s[-–—]\s"
)
"""A press release's masthead and dateline ("... DENVER, Colorado - February 24, 2026 - ")."""
_ABOUT_DOCUMENT = re.compile(
    r"\bthis (?:page|document|wiki|guide|section|sheet|handbook|playbook|article|deck)\b", re.I
)
_NAMED_HEADING = re.compile(r"^[A-Z][\w -]{1,30}:\s+(?P<name>(?:[A-Z0-9][\w&'’.-]*\s?){1,6})$")
"""A heading that names what its fields describe: "Case study: Halden Apotek Group"."""
_LEANS_BACK = re.compile(r"^(?:it|this|they|these|here)\b", re.I)
_SCAFFOLD = re.compile(
    r"prepared|response|answer|positioning|talking point|where (?:they|we) win|what's behind|"
    r"behind it|customer says|follow-?up|note|tip|internal",
    re.I,
)


@dataclass
class _Block:
    kind: Literal["paragraph", "bullet", "table", "label"]
    heading: str
    lines: list[str] = field(default_factory=list)
    label: str | None = None


def units(passage: Passage, rank: int) -> list[Unit]:
    """The speakable sentences of ``passage`` in document order."""
    out: list[Unit] = []
    current_label: str | None = None
    for number, block in enumerate(_blocks(passage.text, passage.section)):
        context = block.heading
        if block.kind == "label":
            current_label = block.label
            continue
        if current_label and _SCAFFOLD.search(current_label):
            continue  # a playbook's or a rep note's parts are read elsewhere, or not at all
        if block.kind == "table":
            for row, text in enumerate(_table_sentences(block.lines)):
                if _speakable(text):
                    out.append(Unit(text, "row", context, rank, len(out), number * 1000 + row))
            continue
        if block.kind == "bullet":
            joined = " ".join(block.lines)
            texts = _bullet_sentences(joined, block.heading)
            kind: UnitKind = "bullet"
            labelled = _LABEL.match(joined) or _PLAIN_LABEL.match(_clean(joined))
            if labelled:  # the label says what the bullet is about, for matching
                context = f"{block.heading}: {_clean(labelled['label'])}"
        else:
            texts = _paragraph_sentences(" ".join(block.lines))
            kind = "sentence"
        for text in texts:
            if text and _speakable(text):
                out.append(Unit(text, kind, context, rank, len(out), number * 1000))
    for n, (heading, fact) in enumerate(_heading_sentences(passage)):
        out.insert(n, Unit(fact, "heading", heading, rank, -1 - n, -1 - n))
    return out


def playbook_entry(passage: Passage, rank: int) -> list[PlaybookEntry]:
    """The passage's parts of playbook entries, one per objection heading: the prepared
    response, the customer quotes and the follow-up questions (an entry may be cut over two
    passages, and a passage may hold several short entries)."""
    parts: dict[str, dict[str, list[str]]] = {}
    label: str | None = None
    for block in _blocks(passage.text, passage.section, keep_quotes=True):
        part = parts.setdefault(block.heading, {"says": [], "response": [], "follow_ups": []})
        if block.kind == "label":
            label = block.label
        if label is None:
            continue
        text = " ".join(block.lines)
        if not text:
            continue
        if _RESPONSE_LABEL.search(label):
            part["response"].extend(_quoted_sentences(text))
        elif _SAYS_LABEL.search(label):
            part["says"].extend(re.findall(r"[\"\u201c](.+?)[\"\u201d]", text))
        elif _FOLLOW_UP_LABEL.search(label) and text.rstrip().endswith("?"):
            part["follow_ups"].append(_clean(text))
    base = passage.section.split(SECTION_SEPARATOR)[0]
    return [
        PlaybookEntry(
            f"{base}{SECTION_SEPARATOR}{heading}",
            tuple(p["says"]),
            tuple(p["response"]),
            tuple(p["follow_ups"]),
            rank,
            passage.source,
        )
        for heading, p in parts.items()
        if p["says"] or p["response"] or p["follow_ups"]
    ]


def playbook_entries(
    passages: list[tuple[int, Passage]], *, with_response: bool = True
) -> list[PlaybookEntry]:
    """The playbook entries among ranked passages, an entry cut over several passages joined
    (only those with their prepared response, unless ``with_response`` is False)."""
    merged: dict[tuple[str, str], PlaybookEntry] = {}
    for rank, passage in passages:
        for part in playbook_entry(passage, rank):
            key = (part.source, part.section)
            if key in merged:
                old = merged[key]
                part = PlaybookEntry(
                    old.section,
                    old.says + part.says,
                    old.response + part.response,
                    old.follow_ups + part.follow_ups,
                    min(old.passage, part.passage),
                    old.source,
                )
            merged[key] = part
    return [e for e in merged.values() if e.response or not with_response]


def has_money(text: str) -> bool:
    return bool(_MONEY.search(text))


def _is_heading_line(line: str, section: str, following: str | None) -> bool:
    """A sub-heading kept as a line of the passage: named in the section path, or a short
    title-like line (no final period, colon or comma) over a paragraph."""
    text = _clean(line)
    words = len(text.split())
    if not text or words > 15 or line.startswith(("|", "-", "*", "+", '"', "\u201c", ">")):
        return False
    if text in section:
        return True
    return (
        words <= 10
        and text[0].isupper()
        and text[-1] not in ".:;,)\"'\u201d"
        and ":" not in text
        and following is not None
        and not _LIST_ITEM.match(following)
        and not following.startswith("|")
    )


def _blocks(text: str, section: str, *, keep_quotes: bool = False) -> list[_Block]:
    """Lines grouped into paragraphs, bullets, tables and label lines; wrapped lines joined."""
    blocks: list[_Block] = []
    parts = section.split(SECTION_SEPARATOR)
    # Merged sections ("FAQ > Question one, Question two"): text before the first sub-heading
    # line sits under the parent heading.
    heading = parts[-2] if ", " in parts[-1] and len(parts) > 1 else parts[-1]
    lines = [raw.strip() for raw in text.splitlines()]
    for n, line in enumerate(lines):
        if not line:
            if blocks and blocks[-1].kind != "label":
                blocks.append(_Block("label", heading, label=None))  # a blank line ends a block
            continue
        if line.startswith("#"):
            heading = _clean(line.strip("#"))
            blocks.append(_Block("label", heading, label=None))
            continue
        following = next((x for x in lines[n + 1 :] if x), None)
        if _is_heading_line(line, section, following):
            heading = _clean(line)
            blocks.append(_Block("label", heading, label=None))
            continue
        label_only = _LABEL_ONLY.match(line)
        if label_only:
            blocks.append(_Block("label", heading, label=label_only["label"].strip()))
            continue
        labelled = _LABEL.match(line)
        if labelled and _SCAFFOLD.search(labelled["label"]):
            rest = line[labelled.end() :]
            blocks.append(_Block("label", heading, [rest] if rest else [], labelled["label"]))
            continue
        lead = _LEAD_LABEL.match(line)
        if lead and len(lead["label"].split()) <= 5:
            blocks.append(_Block("label", heading, label=None))
            line = line[lead.end() :]  # "**The problem.** Northgate ran..." -> "Northgate ran..."
            if not line:
                continue
        if line.startswith("|"):
            if blocks and blocks[-1].kind == "table":
                blocks[-1].lines.append(line)
            else:
                blocks.append(_Block("table", heading, [line]))
            continue
        if _LIST_ITEM.match(line):
            blocks.append(_Block("bullet", heading, [_LIST_ITEM.sub("", line)]))
            continue
        previous = blocks[-1] if blocks else None
        if (
            previous
            and previous.kind in ("paragraph", "bullet")
            and not lead
            and not _LABEL.match(line)
            and _continues(previous, line)
        ) or (previous and previous.kind == "label" and previous.label and previous.lines):
            previous.lines.append(line)
        else:
            blocks.append(_Block("paragraph", heading, [line]))
    return blocks


def _continues(block: _Block, line: str) -> bool:
    """Whether ``line`` is the hard-wrapped rest of ``block``'s last line."""
    last = block.lines[-1].rstrip()
    if line[0].islower() or line[0] in ",;)–—":
        return True
    return bool(last) and last[-1] not in _SENTENCE_END


_TITLE_END = re.compile(
    r"(?:^|\s)(?:Dr|Mr|Mrs|Ms|Mx|Prof|Sr|Jr|St|Mt|Inc|Ltd|Co|Corp|No|vs|approx|e\.g|i\.e)\.$",
    re.I,
)
"""An abbreviation's stop, which ends no sentence ("founded by Dr. Priya Nandakumar")."""


def _sentences(text: str) -> list[str]:
    """The sentences of ``text``, never cut after a title or an abbreviation ("by Dr.")."""
    out: list[str] = []
    for piece in split_sentences(text):
        if out and _TITLE_END.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _paragraph_sentences(text: str) -> list[str]:
    text = _clean(text)
    if text.startswith(_QUOTE_OPEN):
        return []
    text = _DATELINE.sub("", text)
    out: list[str] = []
    lead = ""
    about_document = False
    for sentence in _sentences(text):
        if about_document and _LEANS_BACK.match(sentence):
            continue  # "This page is for new reps. It explains who we are...": about the page
        about_document = bool(_ABOUT_DOCUMENT.search(sentence))
        if _YES_NO.match(sentence):
            lead = sentence + " "  # "Yes." belongs to the sentence it introduces
            continue
        if len(sentence.split()) >= 4:
            out.append(_as_sentence(lead + sentence))
        lead = ""
    return out


def _quoted_sentences(text: str) -> list[str]:
    text = _clean(text).strip().strip('"\u201c\u201d').strip()
    return [_as_sentence(s.strip('"\u201c\u201d ')) for s in _sentences(text) if s.strip()]


def _bullet_sentences(text: str, heading: str) -> list[str]:
    """A bullet's sentences, the first with its label folded in."""
    labelled = _LABEL.match(text) or _PLAIN_LABEL.match(_clean(text))
    if labelled:
        label_end = labelled.end()
        cleaned = text[label_end:] if _LABEL.match(text) else _clean(text)[label_end:]
        head = text[:label_end] if _LABEL.match(text) else _clean(text)[:label_end]
    else:
        cleaned, head = text, ""
    sentences = _sentences(_clean(cleaned))
    if not sentences:
        return []
    first = _bullet_sentence(head + sentences[0], heading) if head else _as_sentence(sentences[0])
    return [first, *(_as_sentence(x) for x in sentences[1:] if len(x.split()) >= 4)]


_DETERMINER = re.compile(
    r"^(?:the|a|an|each|every|either|neither|no|some|all|any|both|our|their|its|this|these|"
    r"those|we|it|they|there|you)\b"
)


_PREPOSITIONS = (
    r"at|in|on|for|during|from|by|with|under|over|after|before|within|without|per|to|of|via|"
    r"between|across|into|through"
)
_PREPOSITION = re.compile(rf"^(?:{_PREPOSITIONS})\b", re.I)
_NUMBER_LED = re.compile(
    r"^(?:\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|fifty|hundred)\b)",
    re.I,
)
_CLAUSE = re.compile(
    rf"^(?!(?:{_PREPOSITIONS}|up|and|or|but|if)\b)(?:[\w'’()/.,&+-]+\s){{1,5}}?"
    r"(?:is|are|was|were|has|have|can|cannot|will|must|may|should|stays?|remains?|uses?|runs?)\b",
    re.I,
)
"""A value that is a sentence of its own: "**Sensor to cloud:** LoRaWAN payloads are encrypted"."""
_SUBJECT_VERB = re.compile(
    r"^[a-z]+s\s(?:(?:only|never|always|also|can|cannot|must|will|may|should|do|don't|are|have)\s|"
    r"[a-z]+[^s\s]\s(?:their|the|a|an|its|our|your|to|when|if|each|every)\b)"
)
"""A value opening with its own subject and verb: "**Network posture:** gateways only open
outbound connections", "**Data residency:** customers choose their hosting region"."""
_LINK = re.compile(r"^\w+ to \w+$")
_HEAD_NOUN = re.compile(rf"^(?P<head>.+?)\s+(?:{_PREPOSITIONS}|and|or)\b", re.I)


def _lowered(label: str) -> str:
    """A label inside a sentence: its capital dropped, unless its first word is a name or an
    acronym ("LoRaWAN", "SOC 2", "API")."""
    if re.match(r"[A-Z0-9]{2,}|[A-Z][a-z]*[A-Z]", label):
        return label
    return label[0].lower() + label[1:]


def _verb(noun: str) -> str:
    """ "is" or "are" for ``noun``, by its head word: "Extra users on Launch and Growth" are,
    "Battery life" is."""
    head = _HEAD_NOUN.match(noun)
    word = (head["head"] if head else noun).split()[-1]
    return "are" if re.search(r"[^su]s$", word) else "is"


def _bullet_sentence(text: str, heading: str) -> str:
    """A bullet as a sentence: "**Battery life:** up to 4 years" -> "The battery life of the
    CT-200 ... is up to 4 years." Labels are folded into the sentence, never spoken as labels."""
    labelled = _LABEL.match(text) or _PLAIN_LABEL.match(_clean(text))
    if not labelled:
        return _as_sentence(_clean(text))
    label = _clean(labelled["label"]).strip()
    rest = _clean(text[labelled.end() :] if _LABEL.match(text) else _clean(text)[labelled.end() :])
    if not rest:
        return ""
    first = rest.split()[0]
    if _DETERMINER.match(rest) or _CLAUSE.match(rest) or _SUBJECT_VERB.match(rest):
        return _as_sentence(rest)  # the value is a sentence of its own: the label only titled it
    link = _LINK.match(label)
    if link:  # "**Gateway to cloud:** TLS 1.3 ..." -> "From gateway to cloud, TLS 1.3 ..."
        return _as_sentence(f"From {_lowered(label)}, {rest}")
    if _PREPOSITION.match(label):
        # "Encryption" > "**At rest:** AES-256 encryption..." -> "Encryption at rest is AES-256
        # encryption...": the heading names what the label qualifies.
        lowered = _lowered(label)
        if 0 < len(heading.split()) <= 3 and not _NAMED_HEADING.match(heading):
            return _as_sentence(f"{heading} {lowered} {_verb(heading)} {rest}")
        return _as_sentence(f"{label}, {rest}")
    if _NUMBER_LED.match(label):  # "**Three or more sensors on one order:** 8% off"
        return _as_sentence(f"For {_lowered(label)}, {rest}")
    named = _NAMED_HEADING.match(heading)
    if named and label.lower() not in named["name"].lower():
        # A profile's field ("Case study: Halden Apotek Group", "**Industry:** Retail pharmacy"):
        # whose field it is, then the field, never the label alone.
        noun = _lowered(label)
        return _as_sentence(f"For {named['name']}, the {noun} {_verb(label)} {rest}")
    if first[0].isupper() and not re.match(r"[A-Z0-9]{2,}", first):
        return _as_sentence(f"{label}: {rest}")  # a name and what it is ("Launch: rate shopping")
    if (re.fullmatch(r"[a-z]+s", first) and first not in ("is", "was", "has")) or label.endswith(
        "ed"
    ):
        return _as_sentence(f"{label} {rest}")  # "Rate shopping compares..." / "Founded 2019..."
    noun = _lowered(label)
    verb = _verb(label)
    subject = f"the {noun}"
    if re.search(r"\b[A-Z]{1,5}-?\d", heading) and heading.lower() not in rest.lower():
        subject = f"the {noun} of the {heading}"
    return _as_sentence(f"{subject[0].upper()}{subject[1:]} {verb} {rest}")


def _table_sentences(lines: list[str]) -> list[str]:
    """Each data row as a sentence with its column headers: "For the Growth plan, the monthly
    price is $199, the labels included per month are 5,000 and ..."."""
    rows = [[_clean(c) for c in line.strip().strip("|").split("|")] for line in lines]
    rows = [r for r in rows if not all(re.fullmatch(r":?-*:?", c.strip()) for c in r)]
    if len(rows) < 2:
        return []
    header, body = rows[0], rows[1:]
    kind = header[0].strip()
    # Three or more columns each named by one capitalised word ("Starter | Professional |
    # Enterprise") are names of things, not properties: "Starter has ...".
    named = len(header) >= 4 and all(re.fullmatch(r"[A-Z][a-z]+", h) for h in header[1:])
    sentences = []
    for row in body:
        if not row or not row[0]:
            continue
        parts = []
        for name, value in zip(header[1:], row[1:], strict=False):
            if not value or value in ("-", "—"):
                continue
            if not name:
                parts.append(value)
            elif named or _is_proper(name):
                parts.append(f"{name} has {value}")
            else:
                noun = name[0].lower() + name[1:] if not re.match(r"[A-Z]{2}", name) else name
                verb = "are" if re.search(r"[^su]s$", noun.split()[-1]) else "is"
                parts.append(f"the {noun} {verb} {value}")
        if not parts:
            continue
        priced = _priced_row(header, row)
        if priced:
            sentences.append(priced)
            continue
        key = row[0]
        lead = f"For {key}"
        if re.fullmatch(r"[A-Z][a-z]+", kind) and re.fullmatch(r"[A-Z][\w-]*", key):
            lead = f"For the {key} {kind.lower()}"  # "For the Growth plan"
        elif key[0].isdigit() and kind and not _is_proper(kind):
            lead = f"For {key} {kind[0].lower()}{kind[1:]}"  # "For 100–499 sensors under..."
        body_text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        sentences.append(_as_sentence(f"{lead}, {body_text}"))
    return sentences


_PRICE_HEADER = re.compile(r"^(?:[\w-]+\s)?(?:price|cost|fee|rate)\b", re.I)
"""A price column: "Price", "Unit price (USD)", "Monthly price", "Price per location" (not
"Discount off list price": a share, read column by column)."""
_NAME_HEADER = re.compile(r"^(?:product|name|item|description)$", re.I)
_THING_HEADER = re.compile(
    r"^(?:product|name|item|model|plan|tier|package|sku|sensor|device)s?$", re.I
)
_COUNT_VALUE = re.compile(r"^(?:\d[\d,.]*|unlimited)$", re.I)
_HAS_UNIT = re.compile(r"\bper\b|/|\bmonth|\byear|\bweek|\bday|\bone-time\b|\bonce\b", re.I)
_WH_HEADER = re.compile(r"^(?:what|who|which|where|when|how)\b", re.I)


def _priced_row(header: list[str], row: list[str]) -> str | None:
    """A price list's row as one would say it: "The ColdTrace CT-100 Standard Probe Sensor is $89
    per unit.", "The Launch plan is $49 a month, with 500 labels included per month and 2 users
    included; the overage per extra label is $0.08." The thing is the row's name (a Product or
    Name column over a code, the code kept when the name lacks it), the price comes first with
    the unit its header gives ("Unit price", "Monthly price", "Price per location per month"),
    counts follow as "N <header>", other columns as "the <header> is <value>". None when the
    table has no price column (or the row no price): it is then read column by column."""
    cells = dict(zip(header, row, strict=False))
    price_column = next((h for h in header[1:] if _PRICE_HEADER.search(h)), None)
    if price_column is None or not cells.get(price_column, "").strip(" -—"):
        return None
    kind = header[0].strip()
    subject, used = row[0].strip(), {header[0]}
    name_column = next((h for h in header[1:] if _NAME_HEADER.match(h.strip())), None)
    if name_column and cells.get(name_column) and name_column != price_column:
        name = cells[name_column].strip()
        subject = name if subject.lower() in name.lower() else f"{name} ({subject})"
        used.add(name_column)
    if not subject:
        return None
    if re.fullmatch(r"[A-Z][\w-]*", subject) and re.fullmatch(r"[A-Z][a-z]+", kind):
        subject = f"the {subject} {kind.lower()}"  # "the Launch plan"
    elif (
        _THING_HEADER.match(kind)
        and subject[0].isupper()
        and not subject.lower().startswith("the ")
    ):
        subject = f"the {subject}"
    price = _spoken_value(cells[price_column].strip())
    if price[0] in "$€£¥" or price[0].isdigit():
        if not _HAS_UNIT.search(price):
            price += _price_unit(price_column)
    used.add(price_column)
    counts, others = [], []
    for name, value in zip(header, row, strict=False):
        value = value.strip()
        if name in used or not name.strip() or not value or value in ("-", "—"):
            continue
        noun = name.strip()
        noun = noun[0].lower() + noun[1:] if not re.match(r"[A-Z]{2}", noun) else noun
        if _COUNT_VALUE.match(value) and re.search(r"s\b", noun.split()[0]):
            counts.append(f"{_spoken_value(value)} {noun}")  # "500 labels included per month"
        else:
            wh = bool(_WH_HEADER.match(noun))
            plural = any(re.search(r"[^su]s$", w) for w in (noun.split()[0], noun.split()[-1]))
            the, verb = ("", "is") if wh else ("the ", "are" if plural else "is")
            others.append(f"{the}{noun} {verb} {value}")
    text = f"{subject[0].upper()}{subject[1:]} is {price}"
    if counts:
        text += ", with " + _listed(counts)
    if others:
        text += "; " + _listed(others)
    return _as_sentence(text)


def _price_unit(header: str) -> str:
    """What a price column's header says the price is per: "Unit price (USD)" -> " per unit",
    "Monthly price" -> " a month", "Price per location per month" -> " per location per month"."""
    plain = re.sub(r"\([^)]*\)", "", header).strip().lower()
    per = re.search(r"\bper\b.*", plain)
    if per:
        return " " + per.group(0)
    for word, unit in (
        ("unit", " per unit"),
        ("monthly", " a month"),
        ("annual", " a year"),
        ("yearly", " a year"),
        ("weekly", " a week"),
        ("daily", " a day"),
    ):
        if re.search(rf"\b{word}\b", plain):
            return unit
    return ""


def _spoken_value(value: str) -> str:
    """A cell inside a sentence: "Included with ..." -> "included with ...", "Unlimited" ->
    "unlimited" (a capitalised common word that only opened the cell; names keep theirs)."""
    first = value.split()[0] if value.split() else ""
    if re.fullmatch(r"[A-Z][a-z]+[,;]?", first) and _COMMON_OPENER.fullmatch(first):
        return value[0].lower() + value[1:]
    return value


_COMMON_OPENER = re.compile(
    r"(?:included|free|custom|unlimited|negotiated|on|by|available|not|none|contact|varies|"
    r"quoted|upon|per|from)[,;]?",
    re.I,
)


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _heading_sentences(passage: Passage) -> list[tuple[str, str]]:
    """Headings that state a fact ("Starter — $6 per sensor per month"), as sentences ("The
    Starter plan is $6 per sensor per month."), naming the kind from the parent heading."""
    parts = passage.section.split(SECTION_SEPARATOR)
    last = parts[-1].strip() if parts else ""
    parent = parts[-2] if len(parts) >= 2 else ""
    candidates = last.split(", ") if ", " in last else [last]
    candidates += [
        _clean(line.strip("#"))
        for line in passage.text.splitlines()
        if line.startswith("#") or (line.strip() and _clean(line) in passage.section)
    ]
    out: list[tuple[str, str]] = []
    for heading in dict.fromkeys(c.strip() for c in candidates if c.strip()):
        match = _HEADING_FACT.match(heading)
        if not match or len(heading.split()) < 3 or len(heading.split()) > 14:
            continue
        name, value = match["name"].strip(), match["value"].strip()
        kind = ""
        noun = parent.split()[-1] if parent.split() else ""
        if noun.lower().endswith("s") and noun.lower() not in name.lower():
            kind = " " + noun.lower()[:-1]
        out.append((heading, _as_sentence(f"The {name}{kind} is {value}")))
    return out


def _is_proper(name: str) -> bool:
    """A column named after a company or product ("FrostWatch"), not a property ("Price")."""
    return bool(re.search(r"[a-z][A-Z]|^[A-Z][a-z]+[A-Z]|^[A-Z]{2,}[a-z]", name))


_MARKUP_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")


def _speakable(text: str) -> bool:
    stripped = text.strip()
    return not (
        stripped.endswith("?")
        or _MARKUP_TAG.search(stripped)
        or stripped.startswith(_QUOTE_OPEN)
        or _FOR_THE_TEAM.search(stripped)
        or _INSTRUCTION.match(stripped)
        or len(stripped.split()) < 3
    )


def _clean(text: str) -> str:
    return " ".join(_EMPHASIS.sub("", text).split())


def _as_sentence(text: str) -> str:
    text = text.strip().rstrip(",;:")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?\"'\u201d)" else text + "."
