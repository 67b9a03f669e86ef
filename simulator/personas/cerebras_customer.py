"""The AI customer on Cerebras: an LLM playing a persona from a prompt file.

The persona is rendered into ``prompts/customer.md`` (a data file a trainer can edit) and the LLM
sees the conversation from the customer's side: its own earlier lines as ``assistant`` turns, the
team's replies as ``user`` turns labelled with the speaking agent. It is built only from the
transcript (:class:`~simulator.personas.customer.CustomerView`), so the customer never sees the
team's retrieved passages or the coach's whispers.

The model answers with a small JSON object - the line, its verdict on the team's last reply
(answered or not, about which objection, what was missing), the objections it raised or gave up
on, the facts it revealed, whether it ends the call - so it judges like the offline driver and the
scorecard reads what the customer meant without guessing. A reply that is not JSON is still used
as the line (with nothing tagged). The model goes
through livekit-agents' ``llm.LLM`` interface (in practice
:class:`~simulator.providers.cerebras.CerebrasLLM`),
so its failures arrive as livekit ``APIError``s and are turned into our ``ProviderError`` here.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from string import Template
from typing import Literal

from livekit.agents import APIError, llm
from pydantic import BaseModel, ValidationError

from simulator.errors import ProviderError
from simulator.events import AGENT_NAMES, PersonaAction
from simulator.personas.customer import Action, CustomerTurn, CustomerView, Ending
from simulator.personas.model import Persona

PROMPT_FILE = "customer.md"
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class _Reply(BaseModel):
    say: str
    verdict: Literal["answered", "not_answered", "none"] | None = None
    """The customer's judgement of the team's last reply, against what it last asked."""
    about: str | None = None
    """The objection id the verdict concerns."""
    missing: str = ""
    raised: list[str] = []
    gave_up: list[str] = []
    revealed: list[str] = []
    end: Literal["agreed", "declined"] | None = None


def render_prompt(persona: Persona, prompt_path: Path | None = None) -> str:
    """The persona written into the customer prompt template (``$name``, ``$objections``...)."""
    if prompt_path is not None:
        template = Path(prompt_path).read_text(encoding="utf-8")
    else:
        template = (resources.files("simulator.personas") / "prompts" / PROMPT_FILE).read_text(
            encoding="utf-8"
        )
    objections = "\n".join(
        f'  - [{o.id}] ({o.when}, {o.push}) "{o.says}" Settled by an answer about: '
        f"{'; '.join(o.addressed_by)}."
        + (f' Its plain question: "{o.narrowed}"' if o.narrowed else "")
        + (f" Then ask: {' / '.join(f.says for f in o.follow_ups)}" if o.follow_ups else "")
        for o in persona.agenda
    )
    facts = (
        "\n".join(
            f"  - [{f.id}] {f.fact} Reveal it only if asked about "
            f'{", ".join(f.asked_with)}; then say something like: "{f.reveal}"'
            for f in persona.hidden_facts
        )
        or "  - (none)"
    )
    step = persona.next_step
    agreement = f'{step.agrees_to} (when you agree, say something like: "{step.accept}")'
    if step.requires_facts:
        agreement += (
            " - and only if they asked you about "
            + ", ".join(f"[{f}]" for f in step.requires_facts)
            + " first"
        )
    return (
        Template(template)
        .safe_substitute(
            name=persona.name,
            role=persona.role,
            company_name=persona.company.name,
            company_industry=persona.company.industry,
            company_size=persona.company.size,
            company_situation=persona.company.situation,
            goals="\n".join(f"- {g}" for g in persona.goals),
            personality=persona.personality,
            tone=persona.tone,
            difficulty=persona.difficulty,
            opening=persona.opening,
            objections=objections,
            hidden_facts=facts,
            next_step=agreement,
            patience=str(persona.patience),
            not_answered=persona.not_answered,
        )
        .strip()
    )


class CerebrasCustomer:
    provider = "cerebras"

    def __init__(
        self,
        persona: Persona,
        model: llm.LLM,
        *,
        owns_model: bool = False,
        prompt_path: Path | None = None,
    ) -> None:
        """Play ``persona`` with ``model``; ``owns_model`` closes the model in :meth:`aclose`."""
        self.persona = persona
        self._llm = model
        self._owns_model = owns_model
        self._instructions = render_prompt(persona, prompt_path)
        self._raised: set[str] = set()

    async def next_turn(self, view: CustomerView) -> CustomerTurn:
        try:
            response = await self._llm.chat(chat_ctx=self.chat_context(view)).collect()
        except APIError as e:
            raise ProviderError(f"Cerebras could not play {self.persona.name}: {e.message}") from e
        return self._turn(response.text)

    def chat_context(self, view: CustomerView) -> llm.ChatContext:
        """What the model is sent: the persona prompt and the transcript, nothing else."""
        ctx = llm.ChatContext.empty()
        ctx.add_message(role="system", content=self._instructions)
        # the call's first move is the customer's, but chat models expect a user turn first
        ctx.add_message(
            role="user", content="(The sales team has picked up the call. You speak first.)"
        )
        for line in view.lines:
            if line.speaker == "customer":
                ctx.add_message(
                    role="assistant", content=json.dumps({"say": line.text}, ensure_ascii=False)
                )
            else:
                ctx.add_message(role="user", content=f"{AGENT_NAMES[line.speaker]}: {line.text}")
        if view.turns_left <= 1:
            ctx.add_message(
                role="system", content='This is your last line: end the call now (set "end").'
            )
        return ctx

    async def aclose(self) -> None:
        if self._owns_model:
            await self._llm.aclose()

    def _turn(self, text: str) -> CustomerTurn:
        reply = _parse(text)
        if not reply.say.strip():
            raise ProviderError(f"Cerebras sent an empty line for {self.persona.name}")
        objections = {o.id for o in self.persona.objections}
        facts = {f.id for f in self.persona.hidden_facts}
        actions: list[Action] = []
        about = reply.about if reply.about in objections else None
        if reply.verdict == "answered" and about is not None:
            actions.append(Action("accepted_answer", objection=about, detail="the team answered"))
        gave_up = [o for o in dict.fromkeys(reply.gave_up) if o in objections]
        for objection in gave_up:
            actions.append(
                Action("gave_up_on_objection", objection=objection, detail=reply.missing)
            )
        for objection in dict.fromkeys(reply.raised):
            if objection in objections and objection not in gave_up:
                kind: PersonaAction = (
                    "pushed_back" if objection in self._raised else "raised_objection"
                )
                detail = (
                    f"missing {reply.missing}" if kind == "pushed_back" and reply.missing else ""
                )
                actions.append(Action(kind, objection=objection, detail=detail))
                self._raised.add(objection)
        if (
            reply.verdict == "not_answered"
            and about is not None
            and about not in gave_up
            and not any(a.objection == about for a in actions)
        ):
            detail = f"missing {reply.missing}" if reply.missing else ""
            actions.append(Action("pushed_back", objection=about, detail=detail))
        actions += [
            Action("revealed_fact", fact=f) for f in dict.fromkeys(reply.revealed) if f in facts
        ]
        ending = None
        if reply.end is not None:
            reason = (
                f"Agreed to {self.persona.next_step.agrees_to}."
                if reply.end == "agreed"
                else "The customer turned the next step down."
            )
            ending = Ending(reply.end, reason)
            actions.append(Action("concluded", detail=f"{reply.end}: {reason}"))
        return CustomerTurn(reply.say.strip(), tuple(actions), ending)


def _parse(text: str) -> _Reply:
    match = _JSON_OBJECT.search(text)
    if match:
        try:
            return _Reply.model_validate(json.loads(match.group(0)))
        except (ValueError, ValidationError):
            pass
    return _Reply(say=text.strip())
