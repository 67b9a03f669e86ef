"""Rep mode's co-pilot: the sales team's knowledge at the rep's elbow, for their eyes only.

When the user sells to a persona, the team does not answer the customer; it prepares the rep.
:class:`Copilot` does two things, both grounded in the company's material and both published as
events that never reach the customer's side (the persona hears the transcript only):

- :meth:`Copilot.context`, for each customer line: the passages of the whole knowledge base
  ranked for that line (internal notes included: the rep may read them; a table's rows are read
  through the look-ups instead), the look-ups it calls
  for (a product's stock, an existing account's purchases) and, when the line raises an
  objection, the playbook's prepared response and its follow-up questions;
- :meth:`Copilot.answer`, for the rep's private question: a cited answer composed the way the
  offline responder composes the team's (:func:`simulator.providers.offline.composing.compose`:
  sentences of the retrieved passages only, so it never invents a figure), or a plain "the
  material has nothing on that" with the closest passages.

Both block (embedding, search): the practice session runs them with ``asyncio.to_thread``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from simulator.events import CopilotAnswerEvent, CopilotContextEvent, CopilotLookup, Passage
from simulator.personas.judging import match_objection
from simulator.personas.model import Persona
from simulator.personas.playbook import Playbook, PlaybookEntry
from simulator.providers.offline import intents, warming
from simulator.providers.offline.composing import compose
from simulator.providers.offline.reading import units
from simulator.team.dialogue import CODE

if TYPE_CHECKING:
    from simulator.team.scope import KnowledgeView

CONTEXT_PASSAGES = 4
"""Passages shown for each customer line."""
ANSWER_PASSAGES = 8
"""Passages an answer is composed from (it quotes, so it needs the sentence that answers)."""
NOTHING = "The material has nothing that answers this; the closest passages are below."


class Copilot:
    """The co-pilot of one Rep-mode call; see the module doc. Thread-safe (reads only)."""

    def __init__(
        self, knowledge: KnowledgeView, playbook: Playbook, persona: Persona | None = None
    ) -> None:
        self.knowledge = knowledge
        self.playbook = playbook
        self.persona = persona

    def context(self, turn_id: int, line: str, objection: str | None = None) -> CopilotContextEvent:
        """What the rep wants at hand for the customer's ``line``. ``objection`` is the persona's
        objection id when it says the line raises one; otherwise the line is matched to the
        playbook by its words."""
        started = time.perf_counter()
        entry = self._entry(line, objection)
        # "it's still a lot of money" is found better as what it is: the objection it pushes
        query = f"{line} ({entry.title})" if entry else line
        # a table's raw rows read badly: the look-ups below answer from the tables instead
        found = self.knowledge.index.search(query, k=CONTEXT_PASSAGES * 2)
        passages = [p for p in found if not p.source.lower().endswith(".csv")][:CONTEXT_PASSAGES]
        return CopilotContextEvent(
            turn_id=turn_id,
            line=line,
            passages=tuple(passages),
            lookups=tuple(self._lookups(line)),
            objection=entry.title if entry else None,
            playbook_section=entry.section if entry else None,
            prepared_response=entry.prepared_response if entry else "",
            questions_to_ask=entry.follow_up_questions if entry else (),
            elapsed_ms=_ms_since(started),
        )

    def answer(
        self, turn_id: int, question: str, customer_said: Sequence[str] = ()
    ) -> CopilotAnswerEvent:
        """The rep's private ``question`` answered from the material, with its sources.

        ``customer_said``: the customer's lines so far (a prepared response keeps only the
        facts about the customer that the customer gave)."""
        started = time.perf_counter()
        found = self.knowledge.index.search(question, k=ANSWER_PASSAGES)
        lookups = self._lookups(question)
        if lookups:  # "is the CT-100 in stock?" is answered by the look-up itself
            text = " ".join(lookup.output for lookup in lookups)
            return CopilotAnswerEvent(
                turn_id=turn_id,
                question=question,
                answer=text,
                passages=(),
                elapsed_ms=_ms_since(started),
            )
        composed = compose(
            question,
            found,
            meaning=warming.meaning_for(self.knowledge),
            customer_said="\n".join(customer_said),
        )
        if composed is None:
            return CopilotAnswerEvent(
                turn_id=turn_id,
                question=question,
                answer=NOTHING,
                passages=tuple(found[:2]),
                answered=False,
                elapsed_ms=_ms_since(started),
            )
        return CopilotAnswerEvent(
            turn_id=turn_id,
            question=question,
            answer=composed.text,
            passages=cited(composed.text, found),
            elapsed_ms=_ms_since(started),
        )

    # -- parts ---------------------------------------------------------------------------------

    def _entry(self, line: str, objection: str | None) -> PlaybookEntry | None:
        if objection and self.persona is not None:
            known = next((o for o in self.persona.objections if o.id == objection), None)
            entry = self.playbook.find(known.playbook) if known is not None else None
            if entry is not None:
                return entry
        _, entry = match_objection(line, None, self.playbook)
        return entry

    def _lookups(self, text: str) -> list[CopilotLookup]:
        records = self.knowledge.records
        lookups = []
        if intents.wants_stock(text):
            product = self._product(text)
            if product is not None:
                lookups.append(
                    CopilotLookup(
                        name="check_stock",
                        argument=product,
                        output=records.stock_level(product).describe(),
                    )
                )
        account = self.knowledge.account_named(text)
        if account is not None:
            lookups.append(
                CopilotLookup(
                    name="purchase_history",
                    argument=account,
                    output=records.purchase_history(account).describe(),
                )
            )
        return lookups

    def _product(self, text: str) -> str | None:
        code = CODE.search(text)
        if code:
            return code.group(0)
        lowered = text.lower()
        return next(
            (n for n in self.knowledge.product_names() if len(n) > 3 and n.lower() in lowered),
            None,
        )


def cited(answer: str, passages: Sequence[Passage]) -> tuple[Passage, ...]:
    """The passages ``answer``'s sentences were taken from, best first (the first passage when
    none is found). The composer speaks a passage's units (a table row or a heading made a
    sentence), so a passage is cited when one of its units is in the answer word for word."""
    said = _flat(answer)
    sources = [
        p
        for rank, p in enumerate(passages)
        if any(_flat(unit.text) in said for unit in units(p, rank) if unit.text.strip())
    ]
    return tuple(sources) if sources else tuple(passages[:1])


def _flat(text: str) -> str:
    return " ".join(text.split()).lower()


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
