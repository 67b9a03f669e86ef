"""The embedded default LLM: a grounded offline responder behind livekit-agents' ``llm.LLM``.

With no key and no network the sales team still works. Like a real model it reads the prompt and
answers with tool calls or text, but it never writes a fact of its own: it routes by intent
(handoffs and look-ups are tool calls, as Cerebras would make them) and answers only with
sentences copied from the passages retrieved for the turn, or with a tool's output. So it can
never state a number that is not in the knowledge base. Its chunks are signed ``OFFLINE_MARK``
so the UI can label the reply "offline".
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import takewhile
from typing import Any

from livekit.agents import llm
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    NotGivenOr,
)

from simulator.events import Passage
from simulator.team.passages import parse_passages, parse_whisper

OFFLINE_MARK = "offline_responder"
MAX_ANSWER_WORDS = 70

_PRICING = (
    "price",
    "pricing",
    "cost",
    "expensive",
    "cheap",
    "budget",
    "discount",
    "quote",
    "invoice",
    "pay",
    "plan",
    "tier",
    "subscription",
    "contract",
    "term",
    "renew",
    "cancel",
    "fee",
    "afford",
    "spend",
    "money",
    "dollar",
    "roi",
    "pilot",
    "trial",
    "prepay",
    "annual",
    "monthly",
    "licens",
    "purchase",
    "bought",
    "order",
    "deal",
    "save",
    "saving",
    "charge",
    "bill",
    "refund",
    "trade-in",
    "trade in",
    "switch",
    "locked in",
    "competitor",
)
_TECHNICAL = (
    "spec",
    "technical",
    "install",
    "integrat",
    "api",
    "webhook",
    "erp",
    "security",
    "secure",
    "complian",
    "certif",
    "encrypt",
    "sso",
    "saml",
    "gdpr",
    "hipaa",
    "soc",
    "iso",
    "audit",
    "battery",
    "range",
    "accura",
    "hardware",
    "software",
    "network",
    "wifi",
    "wireless",
    "connect",
    "setup",
    "set up",
    "configur",
    "compatib",
    "platform",
    "reliab",
    "uptime",
    "sla",
    "data",
    "hosting",
    "cloud",
    "support",
    "calibrat",
    "sensor",
    "device",
    "firmware",
    "export",
    "how does",
    "how do",
    "work with",
    "performance",
    "alert",
)
_STOCK = (
    "in stock",
    "stock",
    "inventory",
    "availab",
    "lead time",
    "ship",
    "how many units",
    "deliver",
)
_HISTORY = (
    "purchase history",
    "order history",
    "what have we bought",
    "what did we buy",
    "our orders",
    "our account",
    "last order",
    "we bought",
    "reorder",
    "re-order",
)
_RECOMMEND = (
    "do you recommend",
    "would you recommend",
    "can you recommend",
    "you suggest",
    "what should we buy",
    "what else should we",
)
_GREETING = ("hello", "hi", "hey", "good morning", "good afternoon", "thanks", "thank you")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "i",
        "me",
        "my",
        "we",
        "our",
        "us",
        "you",
        "your",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "who",
        "how",
        "when",
        "where",
        "why",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "have",
        "has",
        "had",
        "not",
        "no",
        "yes",
        "so",
        "than",
        "then",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "about",
        "into",
        "over",
        "just",
        "also",
        "any",
        "some",
        "more",
        "most",
        "very",
        "much",
        "many",
        "get",
        "got",
        "tell",
        "know",
        "want",
        "need",
        "like",
        "please",
        "okay",
        "ok",
        "hi",
        "hello",
        "hey",
        "there",
        "per",
        "each",
        "us",
    ]
)
_SKU = re.compile(r"\b[A-Z]{1,4}-?\d{2,4}[A-Z]?\b")
_COMPANY = re.compile(
    r"\b(?:from|at|with|for|company is|we are|we're)\s+((?:[A-Z][\w&'-]*\s?){1,4})"
)
_PREPARED_LABEL = re.compile(r"\W*prepared response\W*:", re.IGNORECASE)
_FOLLOW_UP_LABEL = re.compile(r"\W*(?:follow-?up|discovery) questions?\W*$", re.IGNORECASE)
_INTERNAL = re.compile(r"\b(?:the customer|the prospect|the buyer|reps?)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")

UNKNOWN = "I don't have that in our material, so I won't guess; I'll find out and come back to you."
WELCOME = "Welcome, and thanks for reaching out. What would you like to know?"
ASK_ACCOUNT = "Which company's account should I look up?"


@dataclass(frozen=True)
class ToolCallPlan:
    name: str
    arguments: dict[str, str]


@dataclass(frozen=True)
class TextPlan:
    text: str


class OfflineResponder(llm.LLM):
    @property
    def model(self) -> str:
        return "offline responder"

    @property
    def provider(self) -> str:
        return "offline"

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,
    ) -> llm.LLMStream:
        return _OfflineStream(self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options)


class _OfflineStream(llm.LLMStream):
    async def _run(self) -> None:
        tool_names = {t.id for t in self._tools if isinstance(t, llm.FunctionTool)}
        plan = plan_reply(self._chat_ctx, tool_names)
        request_id = f"offline-{uuid.uuid4().hex[:8]}"
        mark = {OFFLINE_MARK: True}
        if isinstance(plan, ToolCallPlan):
            call = llm.FunctionToolCall(
                name=plan.name,
                arguments=json.dumps(plan.arguments),
                call_id=f"call_{uuid.uuid4().hex[:12]}",
            )
            self._event_ch.send_nowait(
                llm.ChatChunk(
                    id=request_id,
                    delta=llm.ChoiceDelta(role="assistant", tool_calls=[call], extra=mark),
                )
            )
            return
        words = plan.text.split(" ")
        for i, word in enumerate(words):
            piece = word if i == 0 else " " + word
            self._event_ch.send_nowait(
                llm.ChatChunk(
                    id=request_id,
                    delta=llm.ChoiceDelta(role="assistant", content=piece, extra=mark),
                )
            )
        prompt_words = sum(
            len((m.text_content or "").split()) for m in _messages(self._chat_ctx.items)
        )
        self._event_ch.send_nowait(
            llm.ChatChunk(
                id=request_id,
                usage=llm.CompletionUsage(
                    completion_tokens=len(words),
                    prompt_tokens=prompt_words,
                    total_tokens=len(words) + prompt_words,
                ),
            )
        )


def plan_reply(chat_ctx: llm.ChatContext, tool_names: set[str]) -> ToolCallPlan | TextPlan:
    """Decide the reply the way a careful model would, from the prompt alone."""
    items = chat_ctx.items
    last_user = _last_index(items, lambda i: isinstance(i, llm.ChatMessage) and i.role == "user")
    question = items[last_user].text_content or "" if last_user is not None else ""
    since_question = items[last_user + 1 :] if last_user is not None else items
    system = [m.text_content or "" for m in _messages(items) if m.role == "system"]
    passages = [p for text in system for p in parse_passages(text)]
    whisper = next((w for text in system if (w := parse_whisper(text))), None)

    outputs = [i for i in since_question if isinstance(i, llm.FunctionCallOutput)]
    data_outputs = [o for o in outputs if not o.name.startswith("transfer_to_")]
    if data_outputs:
        return TextPlan(" ".join(o.output.strip() for o in data_outputs))
    if not question:
        return TextPlan(WELCOME)

    text = question.lower()
    already_transferred = bool(outputs)
    if not already_transferred:
        target = _route(text, tool_names)
        if target is not None:
            return ToolCallPlan(target, {"reason": _reason(question)})
    lookup = _lookup(question, text, tool_names, _all_user_text(items))
    if lookup is not None:
        return lookup
    if _is_greeting(text):
        return TextPlan(WELCOME)
    # An objection gets the playbook's prepared response; the coach's words steer which
    # sentences are chosen and which discovery question is asked next.
    focus = f"{question} {whisper}" if whisper else question
    prepared = _prepared_response(_terms(question), _prose(passages))
    answer = prepared.text if prepared else compose_answer(focus, passages)
    follow_up = follow_up_question(
        _terms(whisper or ""), passages, prepared.section if prepared else None
    )
    return TextPlan(" ".join(part for part in (answer or UNKNOWN, follow_up) if part))


def _prose(passages: Iterable[Passage]) -> list[Passage]:
    """Passages to speak from: CSV rows are left to the look-up tools."""
    return [p for p in passages if not p.source.lower().endswith(".csv")]


def _is_greeting(text: str) -> bool:
    """A hello or an introduction, with no question in it."""
    introduces = re.search(r"\b(?:i'm|i am|my name is|this is|we are|we're)\b", text)
    on_topic = _has(text, _PRICING) or _has(text, _TECHNICAL)
    return "?" not in text and not on_topic and (_has(text, _GREETING) or bool(introduces))


def _route(text: str, tool_names: set[str]) -> str | None:
    """The colleague this question belongs to, if the current agent should hand it over."""
    pricing = _score(text, _PRICING) + (1 if _has(text, _HISTORY + _RECOMMEND) else 0)
    technical = _score(text, _TECHNICAL)
    if pricing == technical == 0:
        return None
    wanted = "transfer_to_pricing" if pricing >= technical else "transfer_to_technical"
    # An agent holding its own topic has no tool for it: it answers instead of transferring.
    return wanted if wanted in tool_names else None


def _lookup(
    question: str, text: str, tool_names: set[str], user_text: str
) -> ToolCallPlan | TextPlan | None:
    if "check_stock" in tool_names and _has(text, _STOCK):
        return ToolCallPlan("check_stock", {"product": _product(question)})
    for tool, cues in (("recommend_products", _RECOMMEND), ("purchase_history", _HISTORY)):
        if tool in tool_names and _has(text, cues):
            account = _company(user_text)
            return ToolCallPlan(tool, {"account": account}) if account else TextPlan(ASK_ACCOUNT)
    return None


def compose_answer(question: str, passages: Iterable[Passage]) -> str | None:
    """The retrieved sentences that best answer ``question``, verbatim, or None if none does."""
    prose = _prose(passages)
    wanted = _terms(question)
    if not wanted or not prose:
        return None
    scored: list[tuple[float, int, str]] = []
    for rank, passage in enumerate(prose):
        # The section heading says what the whole passage is about ("Professional: $11 ...").
        on_topic = 0.5 * len(wanted & _terms(passage.section)) / len(wanted)
        # Its own heading is a line of the document too: a direct answer when it states a fact
        # ("Professional: $11 per sensor per month"), a mere title otherwise.
        headings = [
            h
            for h in passage.section.split(" > ")[-1].split(", ")
            if len(h.split()) >= 3 and re.search(r"\d", h)
        ]
        for n, sentence in enumerate(headings + _sentences(passage.text)):
            terms = _terms(sentence)
            overlap = len(wanted & terms)
            if overlap == 0:
                continue
            # Coverage of the question matters most; among equals, the shorter, more direct line.
            score = (
                on_topic
                + overlap / len(wanted)
                + overlap / (len(terms) + 4)
                - 0.05 * rank
                - 0.005 * n
            )
            scored.append((score, len(scored), sentence))
    if not scored:
        return None
    chosen: list[str] = []
    words = 0
    ranked = sorted(scored, key=lambda s: (-s[0], s[1]))
    for score, _, sentence in ranked:
        if score < 0.6 * ranked[0][0]:
            break  # a weaker match is a tangent, not part of the answer
        length = len(sentence.split())
        if chosen and words + length > MAX_ANSWER_WORDS:
            break
        if sentence not in chosen:
            chosen.append(sentence)
            words += length
        if len(chosen) == 3:
            break
    return " ".join(_as_sentence(s) for s in chosen)


def follow_up_question(focus: set[str], passages: list[Passage], section: str | None) -> str | None:
    """A discovery question from the material (a playbook's follow-up questions), or None.

    With coaching (``focus``), the question that matches it best; otherwise, after a prepared
    response, the first follow-up question of that playbook entry (``section``).
    """
    candidates: list[tuple[str, str]] = []
    for passage in passages:
        in_list = False
        for line in passage.text.splitlines():
            bullet = line.lstrip().startswith(("-", "*"))
            if _FOLLOW_UP_LABEL.match(line):
                in_list = True
            elif in_list and bullet and line.rstrip().endswith("?"):
                candidates.append((passage.section, re.sub(r"^\s*[-*]\s+", "", line).strip()))
            elif line.strip() and not bullet:
                in_list = False
    if focus:
        scored = [(len(focus & _terms(q)), -n, q) for n, (_, q) in enumerate(candidates)]
        best = max(scored, default=(0, 0, ""))
        return best[2] if best[0] else None
    return next((q for s, q in candidates if s == section), None) if section else None


@dataclass(frozen=True)
class _Prepared:
    section: str
    text: str


def _prepared_response(question: set[str], passages: list[Passage]) -> _Prepared | None:
    """The playbook's prepared response for the objection the customer just raised, if any.

    A retrieved passage holding a "Prepared response:" qualifies when it belongs to the same
    objection as the best-ranked passage (often the customer's typical words), or when its
    section (the objection's title) shares at least two words with what the customer said.
    """
    if not passages:
        return None
    best: tuple[int, _Prepared] | None = None
    for passage in passages:
        lines = passage.text.splitlines()
        label = next((n for n, line in enumerate(lines) if _PREPARED_LABEL.match(line)), None)
        if label is None:
            continue
        shared = len(question & _terms(passage.section))
        if shared < 2 and passage.section != passages[0].section:
            continue
        same_line = lines[label].split(":", 1)[1].strip(" *") if ":" in lines[label] else ""
        body = [same_line, *takewhile(lambda line: not line.startswith("**"), lines[label + 1 :])]
        sentences = _sentences(" ".join(body).replace('"', ""))
        if sentences and (best is None or shared > best[0]):
            best = (shared, _Prepared(passage.section, " ".join(sentences[:3])))
    return best[1] if best else None


def _sentences(text: str) -> list[str]:
    """The answerable sentences of a passage, markdown removed.

    Skipped: table rows, lines of fewer than five words (labels), heading lines stating no
    number (titles), quotations (what a customer might say is not what the company says),
    questions, and notes about "the customer" (coaching for reps, not words for customers).
    """
    sentences: list[str] = []
    for raw in text.splitlines():
        bullet = re.match(r"^\s*(?:[-*+]|\d+[.)])\s+", raw) is not None
        line = re.sub(r"^\s*(?:#+|[-*+]|\d+[.)])\s+", "", raw)
        line = line.replace("**", "").replace("__", "").replace("`", "").strip()
        if not line or set(line) <= set("|-: ") or line.startswith(('"', "\u201c")):
            continue
        if line.startswith("|"):
            continue  # a table row is read, not spoken
        if not bullet and line[-1] not in '.!:;"' and not re.search(r"\d", line):
            continue
        sentences.extend(
            s.strip()
            for s in _SENTENCE_END.split(line)
            if len(s.split()) >= 5 and not s.rstrip().endswith("?") and not _INTERNAL.search(s)
        )
    return sentences


def _as_sentence(text: str) -> str:
    return text if text[-1] in ".!?\"'" else text + "."


def _terms(text: str) -> set[str]:
    return {
        _stem(w) for w in re.findall(r"[a-z0-9][a-z0-9'-]*", text.lower()) if w not in _STOPWORDS
    }


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "ed", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _score(text: str, cues: tuple[str, ...]) -> int:
    return sum(1 for cue in cues if re.search(r"\b" + re.escape(cue), text))


def _has(text: str, cues: tuple[str, ...]) -> bool:
    return _score(text, cues) > 0


def _reason(question: str) -> str:
    return "The customer asked: " + " ".join(question.split()[:25])


def _product(question: str) -> str:
    sku = _SKU.search(question)
    if sku:
        return sku.group(0)
    words = [
        w
        for w in re.findall(r"[\w-]+", question)
        if w.lower() not in _STOPWORDS and not _has(w.lower(), _STOCK)
    ]
    return " ".join(words) or question


def _company(user_text: str) -> str | None:
    matches = _COMPANY.findall(user_text)
    return matches[-1].strip() if matches else None


def _all_user_text(items: list[llm.ChatItem]) -> str:
    return "\n".join(m.text_content or "" for m in _messages(items) if m.role == "user")


def _messages(items: Iterable[llm.ChatItem]) -> list[llm.ChatMessage]:
    return [i for i in items if isinstance(i, llm.ChatMessage)]


def _last_index(items: list[llm.ChatItem], predicate: Any) -> int | None:
    for n in range(len(items) - 1, -1, -1):
        if predicate(items[n]):
            return n
    return None
