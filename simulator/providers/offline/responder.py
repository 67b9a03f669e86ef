"""The embedded default LLM: a grounded offline responder behind livekit-agents' ``llm.LLM``.

With no key and no network the sales team still works. Like a real model it answers with tool
calls or text, but it never writes a fact of its own: it routes by meaning (handoffs and look-ups
are tool calls, as Cerebras would make them) and answers only with sentences of the passages
retrieved for the turn, or with a tool's output. So it can never state a number that is not in
the knowledge base or the sales records.

It reads the turn's passages, whisper and look-up results as typed data (the brief the agent's
``llm_node`` attaches, :mod:`simulator.team.brief`), never by parsing the prompt's text, so a
document cannot forge a passage or a whisper. Its own pending question ("Which company's
account?") rides in its reply's ``extra``, so the customer's next line can answer it. Its chunks
are signed ``OFFLINE_MARK`` so the UI can label the reply "offline", and say what chose the
answer (``OFFLINE_SCORER_KEY``: the contextual encoder, or word vectors while it is still filling;
see :mod:`.warming`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from livekit.agents import llm
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    NotGivenOr,
)

from simulator.chunk_marks import OFFLINE_MARK, OFFLINE_SCORER_KEY
from simulator.events import AgentRole, Passage, Scorer
from simulator.knowledge.keywords import terms
from simulator.providers.offline import entities, intents, routing, warming
from simulator.providers.offline.composing import compose, the_question, word_vectors
from simulator.providers.offline.meaning import Meaning
from simulator.team.brief import BRIEF_KEY, TurnBrief, brief_of
from simulator.team.dialogue import CODE
from simulator.team.scope import KnowledgeView

PENDING_KEY = "offline_pending_tool"
"""``extra`` key of a reply that asked the customer for a look-up's missing argument."""

UNKNOWN = "I don't have that in our material, so I won't guess; I'll find out and come back to you."
WELCOME = "Welcome, and thanks for reaching out. What would you like to know?"
ASK_ACCOUNT = "Which company's account should I look up?"
ASK_PRODUCT = "Which product should I check?"
WIDER_K = 24
"""Passages of the agent's scope searched when the turn's own hold no answer of the kind asked."""


@dataclass(frozen=True)
class ToolCallPlan:
    name: str
    arguments: dict[str, str]
    scorer: Scorer | None = field(default=None, compare=False)
    """What chose it (``None``: no meaning was compared, e.g. a look-up's pending argument)."""


@dataclass(frozen=True)
class TextPlan:
    text: str
    pending: str | None = None
    """The tool the customer's next line should run (this text asked for its argument)."""
    scorer: Scorer | None = field(default=None, compare=False)
    """What chose it (``None``: no meaning was compared: a tool's output, a welcome)."""


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
        import asyncio

        tool_names = {t.id for t in self._tools if isinstance(t, llm.FunctionTool)}
        # Embedding and search are blocking work: keep them off the event loop.
        plan = await asyncio.to_thread(plan_reply, self._chat_ctx, tool_names)
        request_id = f"offline-{uuid.uuid4().hex[:8]}"
        mark: dict[str, Any] = {OFFLINE_MARK: True}
        if plan.scorer is not None:
            mark[OFFLINE_SCORER_KEY] = plan.scorer
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
        if plan.pending:
            mark[PENDING_KEY] = plan.pending
        words = plan.text.split(" ")
        for i, word in enumerate(words):
            piece = word if i == 0 else " " + word
            self._event_ch.send_nowait(
                llm.ChatChunk(
                    id=request_id,
                    delta=llm.ChoiceDelta(role="assistant", content=piece, extra=mark),
                )
            )
        prompt_words = sum(len((m.text_content or "").split()) for m in _messages(self._chat_ctx))
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
    """Decide the reply the way a careful model would, from the conversation and the brief."""
    brief = brief_of(chat_ctx)
    items = list(chat_ctx.items)
    last_user = _last_user(items)
    typed = items[last_user] if last_user is not None else None
    question = (
        brief.question
        if brief
        else (typed.text_content or "" if isinstance(typed, llm.ChatMessage) else "")
    )
    since_question = items[last_user + 1 :] if last_user is not None else items
    outputs = [i for i in since_question if isinstance(i, llm.FunctionCallOutput)]
    results = [o for o in outputs if not o.name.startswith("transfer_to_")]
    if results:
        raw = brief.tool_results if brief else {}
        return TextPlan(" ".join(raw.get(o.call_id, o.output).strip() for o in results))
    if not question:
        return TextPlan(WELCOME)

    pending = _pending(items, last_user)
    if pending in tool_names:
        return ToolCallPlan(pending, _arguments(pending, question, brief))

    knowledge = brief.knowledge if brief else None
    scorer = warming.scorer(knowledge, brief.passages if brief else ())
    plan = _answer(question, items, tool_names, brief, bool(outputs), scorer)
    return replace(plan, scorer=scorer)


def _answer(
    question: str,
    items: list[llm.ChatItem],
    tool_names: set[str],
    brief: TurnBrief | None,
    handed_over: bool,
    scorer: Scorer,
) -> ToolCallPlan | TextPlan:
    """The handoff, look-up or answer for ``question``, its meanings compared by ``scorer``."""
    current = brief.agent if brief else _role_of(tool_names)
    knowledge = brief.knowledge if brief else None
    meaning = (
        warming.contextual_meaning(knowledge)
        if knowledge is not None and scorer == "minilm"
        else word_vectors()
    )
    subject = brief.subject if brief else None
    if subject is None and knowledge is not None and meaning.contextual:
        subject = entities.resolve(the_question(question), knowledge, meaning)
    topic = f"{question} ({subject})" if subject else question
    if not handed_over:  # not handed over already this turn
        target = routing.choose(the_question(topic), knowledge, current, meaning)
        if target != current and f"transfer_to_{target}" in tool_names:
            reason = _reason(topic, target, knowledge, meaning)
            return ToolCallPlan(f"transfer_to_{target}", {"reason": reason})

    lookup = _lookup(question, tool_names, brief, _customer_text(items), subject)
    if lookup is not None:
        return lookup
    if intents.is_greeting(question):
        return TextPlan(WELCOME)
    if brief is None:
        return TextPlan(UNKNOWN)
    unknown = entities.unknown_plan(question, knowledge) if knowledge is not None else None
    if unknown is not None:
        return TextPlan(unknown.reply())
    passages: Sequence[Passage] = brief.passages
    if subject and subject != brief.subject and knowledge is not None:
        passages = _with_subject(topic, passages, knowledge, current)
    answer = compose(
        topic,
        passages,
        meaning=meaning,
        whisper=brief.whisper,
        customer_said=_customer_text(items),
        internal=knowledge.is_internal if knowledge else lambda source: False,
        more=(lambda query: [f.passage for f in knowledge.search(query, k=6)])
        if knowledge
        else None,
        wider=(lambda query: knowledge.index.search(query, k=WIDER_K, agent=current))
        if knowledge
        else None,
        names=entities.catalogue_of(knowledge).names if knowledge is not None else (),
    )
    if (
        answer is None
        and current == "greeter"
        and not handed_over
        and not intents.COMPANY.search(question)
    ):
        # The Greeter kept a question it cannot answer, not about the company: a specialist's
        # material may answer it.
        target = routing.best_specialist(the_question(topic), knowledge, meaning)
        if f"transfer_to_{target}" in tool_names:
            reason = _reason(topic, target, knowledge, meaning)
            return ToolCallPlan(f"transfer_to_{target}", {"reason": reason})
    text = answer.text if answer else UNKNOWN
    follow_up = answer.follow_up if answer else None
    return TextPlan(f"{text} {follow_up}" if follow_up else text)


def _with_subject(
    topic: str, passages: Sequence[Passage], knowledge: KnowledgeView, agent: AgentRole
) -> list[Passage]:
    """The turn's passages, after those found for the question with the product or plan it
    describes (the agent's own scope only)."""
    found = [
        f.passage
        for f in knowledge.search(topic, k=len(passages) or 8)
        if f.agents is None or agent in f.agents
    ]
    seen = {(p.source, p.section, p.text) for p in found}
    return [*found, *(p for p in passages if (p.source, p.section, p.text) not in seen)]


def _lookup(
    question: str,
    tool_names: set[str],
    brief: TurnBrief | None,
    customer_text: str,
    subject: str | None,
) -> ToolCallPlan | TextPlan | None:
    """A stock, purchase-history or recommendation look-up the question asks for (a question
    naming an account of the sales records asks for its history)."""
    if "check_stock" in tool_names and intents.wants_stock(question):
        product = _product(question, brief) or subject
        if product is None:
            return TextPlan(ASK_PRODUCT, pending="check_stock")
        return ToolCallPlan("check_stock", {"product": product})
    knowledge = brief.knowledge if brief else None
    for tool, wanted in (
        ("recommend_products", intents.wants_recommendation),
        ("purchase_history", intents.wants_history),
        ("purchase_history", lambda q: bool(knowledge and knowledge.account_named(q))),
    ):
        if tool in tool_names and wanted(question):
            account = _account(question, brief) or _account(customer_text, brief)
            if account is None:
                return TextPlan(ASK_ACCOUNT, pending=tool)
            return ToolCallPlan(tool, {"account": account})
    return None


def _arguments(tool: str, answer: str, brief: TurnBrief | None) -> dict[str, str]:
    """The customer's answer to our question, as the pending tool's argument."""
    if tool == "check_stock":
        return {"product": _product(answer, brief) or answer.strip(" .?!")}
    return {"account": _account(answer, brief) or answer.strip(" .?!")}


def _account(text: str, brief: TurnBrief | None) -> str | None:
    known = brief.knowledge.account_named(text) if brief and brief.knowledge else None
    return known or intents.company_named(text)


def _product(text: str, brief: TurnBrief | None) -> str | None:
    code = CODE.search(text)
    if code:
        return code.group(0)
    if brief and brief.knowledge:
        lowered = text.lower()
        for name in brief.knowledge.product_names():
            if len(name) > 3 and name.lower() in lowered:
                return name
        products = {p.sku: p.name for p in brief.knowledge.records.products if p.sku}
        described = entities.product_in(text, products)
        if described is not None:
            return described
    return brief.subject if brief else None


def _pending(items: list[llm.ChatItem], last_user: int | None) -> str | None:
    """The tool our previous reply asked an argument for, if the customer's line answers it."""
    if last_user is None:
        return None
    for item in reversed(items[:last_user]):
        if isinstance(item, llm.ChatMessage):
            if item.role == "assistant":
                pending = item.extra.get(PENDING_KEY)
                return pending if isinstance(pending, str) else None
            if _is_customer(item):
                return None
    return None


def _role_of(tool_names: set[str]) -> AgentRole:
    """Without a brief: the agent is the one without a handoff to itself."""
    for role in ("technical", "pricing"):
        if f"transfer_to_{role}" not in tool_names and "transfer_to_greeter" in tool_names:
            return role
    return "greeter"


_ROLE_TOPICS: dict[AgentRole, str] = {
    "greeter": "General question",
    "technical": "Technical question",
    "pricing": "Pricing question",
}


def _reason(
    question: str, target: AgentRole, knowledge: KnowledgeView | None, meaning: Meaning
) -> str:
    """Why the customer goes to ``target``: the topic (the heading of the sentence that answers
    it, in the target's scope), never the question again."""
    kind = _ROLE_TOPICS[target]
    if intents.wants_stock(question):
        return f"{kind}: stock availability"
    if intents.wants_history(question):
        return f"{kind}: purchase history"
    about = routing.topic(question, knowledge, target, meaning) if knowledge else None
    if about:
        return f"{kind}: {about}"
    found = knowledge.search(question, k=routing.SEARCH_K) if knowledge is not None else []
    # A heading of the material that answers it, within the target's reach; its own folder's
    # material counts a little more than what everyone may read.
    words = set(terms(question))
    best: tuple[int, str] | None = None
    reachable = [f for f in found if f.agents is None or target in f.agents]
    for item in reachable[:3]:
        parts = [p.strip() for p in item.passage.section.split(" > ") if p.strip()]
        if len(parts) < 2:
            continue  # a whole file (a table), not a topic
        for heading in (h.split(" — ")[0].strip() for h in parts[-1].split(", ")):
            score = 2 * len(words & set(terms(heading))) + (item.agents is not None)
            if best is None or score > best[0]:
                best = (score, f"{kind}: {heading} ({parts[0]})")
    if best is not None:
        return best[1]
    return kind


def _customer_text(items: list[llm.ChatItem]) -> str:
    return "\n".join(m.text_content or "" for m in _messages_of(items) if _is_customer(m))


def _is_customer(message: llm.ChatMessage) -> bool:
    """A line the customer said (the turn's knowledge message is user-role too, but data)."""
    return message.role == "user" and BRIEF_KEY not in message.extra


def _last_user(items: list[llm.ChatItem]) -> int | None:
    for n in range(len(items) - 1, -1, -1):
        item = items[n]
        if isinstance(item, llm.ChatMessage) and _is_customer(item):
            return n
    return None


def _messages(chat_ctx: llm.ChatContext) -> list[llm.ChatMessage]:
    return _messages_of(chat_ctx.items)


def _messages_of(items: list[llm.ChatItem]) -> list[llm.ChatMessage]:
    return [i for i in items if isinstance(i, llm.ChatMessage)]
