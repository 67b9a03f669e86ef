"""A sales team whose every reply a test scripts, behind livekit-agents' own ``llm.LLM``.

Persona tests must not depend on the exact words of the offline team (it is rewritten as it
improves), so they script the team instead: ``ScriptedTeam(reply)`` answers each turn with
``reply(last_customer_line)``. Two teams every persona test can use:

- :func:`non_answers`: friendly lines that never answer anything;
- :func:`good_answers`: a team that answers from the persona's own file, the way a trainer would
  write a good answer: each objection with the cues that settle it (and a figure when the
  question asks for one), and a discovery question for each of the customer's hidden facts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from livekit.agents import APIConnectOptions, llm
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, NOT_GIVEN, NotGivenOr

from simulator.personas import Persona
from simulator.personas.judging import needed_fact

_FIGURES = {
    "price": "$89",
    "percentage": "10%",
    "duration": "30 days",
    "count": "500",
    "date": "30 days",
}


class ScriptedTeam(llm.LLM):
    def __init__(self, reply: Callable[[str], str]) -> None:
        super().__init__()
        self._reply = reply

    @property
    def model(self) -> str:
        return "scripted team"

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
        said = [
            m.text_content or ""
            for m in chat_ctx.items
            if isinstance(m, llm.ChatMessage) and m.role == "user"
        ]
        return _Stream(
            self,
            chat_ctx=chat_ctx,
            tools=tools or [],
            conn_options=conn_options,
            text=self._reply(said[-1] if said else ""),
        )


class _Stream(llm.LLMStream):
    def __init__(self, model: llm.LLM, *, text: str, **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        self._text = text

    async def _run(self) -> None:
        self._event_ch.send_nowait(
            llm.ChatChunk(
                id="scripted", delta=llm.ChoiceDelta(role="assistant", content=self._text)
            )
        )


def non_answers() -> ScriptedTeam:
    lines = [
        "Thanks for asking! Our team is passionate about cold chain.",
        "Great question. Many customers love working with us.",
        "We hear that a lot, and we're always happy to help.",
    ]
    turn = iter(range(1 << 30))
    return ScriptedTeam(lambda _: lines[next(turn) % len(lines)])


def good_answers(persona: Persona) -> ScriptedTeam:
    asked: set[str] = set()

    def reply(line: str) -> str:
        sentences = []
        for objection in persona.objections:
            questions = [
                objection.says,
                *objection.pushback,
                *(f.says for f in objection.follow_ups),
            ]
            for follow_up in objection.follow_ups:
                if follow_up.says in line:
                    sentences.append(_answer(follow_up.says, follow_up.addressed_by))
            if any(q in line for q in questions) and not sentences:
                sentences.append(_answer(objection.says, objection.addressed_by))
        for fact in persona.hidden_facts:
            if fact.id not in asked:
                asked.add(fact.id)
                sentences.append(f"May I ask about your {fact.asked_with[0]}?")
                break
        return " ".join(sentences) or "Welcome! How can we help?"

    return ScriptedTeam(reply)


def _answer(question: str, cues: tuple[str, ...]) -> str:
    need = needed_fact(question)
    has_figure = any(any(c.isdigit() for c in cue) for cue in cues)
    figure = f" It comes to {_FIGURES[need[0]]}." if need and not has_figure else ""
    return "On that point: " + ", ".join(cues) + "." + figure
