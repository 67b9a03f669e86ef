"""Compose the offline answer to the question asked, from the units of the retrieved passages.

The customer's line first loses its pleasantries ("Hi there! Before we get going, ..."). If it is
an objection the playbook prepared for (:mod:`.objections`), the answer is the prepared response
adapted to this customer. Otherwise every sentence, bullet and table row of the passages is
scored against the question and the one that answers it is spoken, with the sentence that
continues it (:mod:`.choosing`); when none is relevant enough, there is no answer (the responder
then says it does not have that). A coach's whisper steers the choice and the follow-up question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from simulator.events import Passage
from simulator.knowledge import embedding
from simulator.knowledge.chunking import split_sentences
from simulator.providers.offline import answer_types, choosing, intents, objections
from simulator.providers.offline.meaning import Meaning
from simulator.providers.offline.objections import adapt
from simulator.providers.offline.reading import PlaybookEntry, Unit, playbook_entries, units

__all__ = ["Answer", "adapt", "compose", "the_question", "word_vectors"]


@dataclass(frozen=True)
class Answer:
    text: str
    follow_up: str | None = None
    prepared: bool = False
    contextual: bool = False
    """Whether the contextual encoder chose it (else word vectors did)."""


def word_vectors() -> Meaning:
    """Meaning from wordllama alone (when there is no knowledge view with an encoder)."""
    return Meaning(embedding.embed, embedding.MODEL_NAME, contextual=False)


def the_question(line: str) -> str:
    """The customer's line without its greetings and introductions ("Hi there! ...")."""
    sentences = split_sentences(line)
    kept = [s for s in sentences if not intents.is_greeting(s)]
    return " ".join(kept) if kept else line


def compose(
    question: str,
    passages: Sequence[Passage],
    *,
    meaning: Meaning | None = None,
    whisper: str | None = None,
    customer_said: str = "",
    internal: Callable[[str], bool] = lambda source: False,
    more: Callable[[str], Sequence[Passage]] | None = None,
    wider: Callable[[str], Sequence[Passage]] | None = None,
    names: Sequence[str] = (),
) -> Answer | None:
    """The answer to ``question`` from ``passages``, or None if none of them answers it.

    ``customer_said`` is everything the customer said so far (the facts a prepared response may
    use); ``internal`` tells material for the sales team only, never spoken; ``more`` searches
    the knowledge for more passages (the rest of a playbook entry); ``wider`` searches the
    agent's own scope further, when no sentence of ``passages`` gives the kind of answer asked
    for ("how long have you been in business?" and no year among them).
    """
    meaning = meaning or word_vectors()
    usable = [
        (rank, p)
        for rank, p in enumerate(passages)
        if not p.source.lower().endswith(".csv") and not internal(p.source)
    ]
    if not usable:
        return None
    asked = the_question(question)
    entries = playbook_entries(usable, with_response=False)
    matched = objections.objection(asked, entries, meaning)
    if matched is not None:
        entry, _ = matched
        if not entry.response and more is not None:
            entry = _completed(entry, more)  # its response sits in a passage not retrieved
        response = adapt(entry.response, customer_said)
        if response:
            follow_up = objections.follow_up(whisper, [entry, *entries]) or next(
                iter(entry.follow_ups), None
            )
            return Answer(" ".join(response), follow_up, True, meaning.contextual)

    passages = list(passages)
    candidates = [u for rank, p in usable for u in units(p, rank)]
    # A whisper to ask something pulls the choice; one to mention something is said after the
    # answer (below), which still answers the question.
    pull = whisper if whisper and intents.asks_to_ask(whisper) else None
    scored = choosing.score(asked, candidates, passages, meaning, whisper=pull, names=names)
    chosen = choosing.choose(asked, scored, meaning)
    if wider is not None and not _answers(asked, chosen, scored):
        # The fact may sit just outside the turn's passages: look further, in the same scope.
        seen = {(p.source, p.section, p.text) for p in passages}
        for extra in wider(asked):
            if (extra.source, extra.section, extra.text) in seen or internal(extra.source):
                continue
            if not extra.source.lower().endswith(".csv"):
                candidates += units(extra, len(passages))
            passages.append(extra)
        scored = choosing.score(
            asked,
            candidates,
            passages,
            meaning,
            whisper=pull,
            names=names,
            type_span=choosing.WIDER_TYPE_SPAN,
        )
        chosen = choosing.choose(asked, scored, meaning)
    second = _second_ask(asked)
    if chosen and second is not None:
        # "What does the pilot cost, and is that money gone if we go ahead?": two asks, each
        # answered by its own sentence.
        again = choosing.score(second, candidates, passages, meaning, names=names)
        answering = choosing.choose(second, again, meaning)
        if answering and answering[0] not in chosen:
            # a sentence leaning on the one before it ("Instead we run...") comes with it
            unit = answering[0]
            before = choosing.previous_unit(unit, candidates)
            added = [before, unit] if before and choosing.leans_back(unit) else [unit]
            added = [u for u in added if u not in chosen]
            words = sum(len(u.text.split()) for u in [*chosen, *added])
            if words <= choosing.MAX_ANSWER_WORDS:
                chosen = [*chosen, *added]
    follow_up = objections.follow_up(whisper, entries)
    gap = choosing.unstated(asked, scored, meaning, names)
    if gap is not None:  # a yes/no about a feature never mentioned: no unrelated sentence
        return Answer(_not_stated(gap), follow_up, False, meaning.contextual)
    if not chosen:
        return None
    if whisper and not intents.asks_to_ask(whisper):
        chosen = [*chosen, *_whispered(whisper, candidates, passages, meaning, chosen)]
    return Answer(" ".join(u.text for u in chosen), follow_up, False, meaning.contextual)


_SECOND_ASK = re.compile(
    r"(?:,\s*and|\?)\s+(?P<ask>(?:(?:and|also)\s+)?(?:is|are|does|do|can|will|would|what|how|"
    r"when|where|who|which|if)\b.*)$",
    re.I,
)
MIN_ASK_WORDS = 4
"""Words a second ask needs to be answered on its own ("and where?" is answered with the first)."""


def _second_ask(question: str) -> str | None:
    """The second of two questions asked in one line, if it is a question of its own."""
    found = _SECOND_ASK.search(question.strip())
    if found is None or len(found["ask"].split()) < MIN_ASK_WORDS:
        return None
    return found["ask"]


def _not_stated(gap: choosing.Unstated) -> str:
    """Say the material is silent on the feature, and offer what it does say about the thing."""
    text = f"Our material says nothing about {gap.feature}, so I won't guess; I'll check for you."
    return f"{text} What I can tell you is this: {gap.known.text}" if gap.known else text


def _answers(question: str, chosen: list[Unit] | None, scored: Sequence[choosing.Scored]) -> bool:
    """Whether ``chosen`` gives the kind of answer ``question`` asks for (any, if it asks for
    no particular kind)."""
    if not chosen:
        return False
    kinds = answer_types.wanted(question)
    return not kinds or any(answer_types.gives(u.text, kinds) for u in chosen)


def _completed(entry: PlaybookEntry, more: Callable[[str], Sequence[Passage]]) -> PlaybookEntry:
    """``entry`` with the parts of it that other passages of its section hold."""
    found = [(n, p) for n, p in enumerate(more(entry.section)) if p.source == entry.source]
    for part in playbook_entries([(entry.passage, p) for _, p in found], with_response=False):
        if part.section == entry.section:
            return PlaybookEntry(
                entry.section,
                entry.says + part.says,
                entry.response + part.response,
                entry.follow_ups + part.follow_ups,
                entry.passage,
                entry.source,
            )
    return entry


def _whispered(
    whisper: str,
    candidates: list[Unit],
    passages: Sequence[Passage],
    meaning: Meaning,
    chosen: list[Unit],
) -> list[Unit]:
    """The sentence the coach's whisper points at ("mention the volume discount"), said after
    the answer, when the whisper is about something the material says and the answer does not
    say it already."""
    scored = choosing.score(whisper, candidates, passages, meaning)
    pointed = choosing.choose(whisper, scored, meaning)
    if not pointed or pointed[0] in chosen or pointed[0].text in " ".join(u.text for u in chosen):
        return []
    return pointed[:1]
