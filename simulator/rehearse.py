"""``simulator rehearse``: whole Coach-mode conversations with no one at the keyboard.

A face of the session host like ``simulator chat``: each persona is loaded and played with the
same commands the app's Coach controls send, carried out by the same controller.

One persona (``--persona NAME``) plays the customer against the sales team until the call ends,
and the scorecard is printed; ``--all`` runs every persona in turn and prints one summary table,
a regression suite for the team's prompts and knowledge (offline, the whole run is deterministic
once the contextual encoder has encoded the folder: a first run's early replies say when they
were chosen without it).
``--jsonl`` prints every event instead, ``--report FILE`` writes the HTML report with the
scorecard (with ``--all``, ``FILE`` is a folder and each persona gets ``<persona>.html``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from simulator.commands import PlayCommand, SetPersonaCommand
from simulator.errors import SimulatorError
from simulator.event_text import clean, describe, reply_label
from simulator.events import (
    AGENT_NAMES,
    ClaimCheckEvent,
    Event,
    HandoffEvent,
    PersonaEvent,
    ScorecardEvent,
    StatusEvent,
    TranscriptEvent,
    to_json,
)
from simulator.personas.model import Persona, PersonaError, load_personas
from simulator.scorecard import render_table, render_text, summary_row
from simulator.settings import Settings

if TYPE_CHECKING:
    from simulator.session import SessionRunner


@dataclass(frozen=True)
class RehearseOptions:
    persona: str | None = None
    """A persona's id or name; ``None`` with ``all_personas``."""
    all_personas: bool = False
    turns: int = 16
    jsonl: bool = False
    report: Path | None = None


def run_rehearse(settings: Settings, options: RehearseOptions, *, out: TextIO, err: TextIO) -> int:
    try:
        return asyncio.run(_rehearse(settings, options, out=out, err=err))
    except KeyboardInterrupt:
        return 130


async def _rehearse(
    settings: Settings, options: RehearseOptions, *, out: TextIO, err: TextIO
) -> int:
    if options.turns < 1:
        err.write("simulator: --turns must be at least 1\n")
        return 2
    try:
        personas = await asyncio.to_thread(
            _choose, options, settings.personas_dir, err, settings.persona_max_bytes
        )
    except PersonaError as e:
        err.write(f"simulator: {e}\n")
        return 2
    if not personas:
        err.write(f"simulator: no usable persona in {settings.personas_dir}\n")
        return 2

    from simulator.host.controller import SessionController
    from simulator.session import SessionRunner  # imports livekit-agents: seconds, so only here

    # no one is watching: the personas play instantly, not at a person's pace
    runner = SessionRunner(settings.model_copy(update={"coach_speed": "instant"}))
    controller = SessionController(runner, max_turns=options.turns)
    try:
        await controller.start()
        await runner.start()
    except SimulatorError as e:
        err.write(f"simulator: {e}\n")
        return 2
    if runner.provider == "offline":
        await _answers_by_encoder(runner, err)
    show = _Show(out, jsonl=options.jsonl, transcript=not options.all_personas)
    pump = asyncio.create_task(show.pump(runner.events()), name="rehearse-events")
    rows = []
    failed = 0
    try:
        for persona in personas:
            start = await show.mark()
            # a new conversation with the persona, played to its end, as the app's Play does
            await controller.execute(SetPersonaCommand(persona=persona.id))
            await controller.execute(PlayCommand())
            assert controller.coach is not None
            card = await controller.coach.wait_ended()
            events = await show.until_scorecard(start)
            rows.append(summary_row(card))
            failed += any(isinstance(e, StatusEvent) and e.level == "error" for e in events)
            if options.all_personas and not options.jsonl:
                err.write(
                    f"{persona.id}: {card.outcome} after {card.customer_turns} customer turns\n"
                )
            elif not options.jsonl:
                out.write("\n" + render_text(card) + "\n")
            if options.report is not None:
                path = (
                    options.report / f"{persona.id}.html"
                    if options.all_personas
                    else options.report
                )
                await asyncio.to_thread(_write_report, path, events, persona)
                err.write(f"Report: {path}\n")
    finally:
        await controller.aclose("The rehearsal run ended.")
        await runner.aclose()
        await pump
    if options.all_personas and not options.jsonl:
        out.write(render_table(rows) + "\n")
    out.flush()
    return 1 if failed else 0


STORED_WAIT_S = 60.0
"""Longest wait for the encoder when its vectors are stored from an earlier run (seconds, not
the minute or two a first encoding takes)."""
EARLY_NOTE = (
    "The contextual encoder is still encoding this folder: until it is ready, offline answers are "
    "chosen with word vectors and may differ from a later run's (each reply says which). For "
    "reproducible rehearsals run `simulator index` first: it waits for the encoder and stores its "
    "vectors, and a rehearsal then waits the few seconds it needs.\n"
)


async def _answers_by_encoder(runner: SessionRunner, err: TextIO) -> None:
    """Offline, a persona should meet the same answers in every rehearsal: when the encoder's
    vectors are stored from an earlier run, wait the few seconds until the answers are chosen by
    it (else the first turns are word vectors' and differ). A first run does not wait the minute
    or two of encoding a folder (a CI run, a quick try): it says so."""
    from simulator.providers.offline import warming

    view = runner.knowledge
    if not view.contextual or warming.scorer(view) == "minilm":
        return
    stored = await asyncio.to_thread(view.index.wait_contextual_if_stored, STORED_WAIT_S)
    if not stored or not await asyncio.to_thread(warming.wait, view, STORED_WAIT_S):
        err.write(EARLY_NOTE)
        err.flush()


def _choose(options: RehearseOptions, folder: Path, err: TextIO, max_bytes: int) -> list[Persona]:
    found = load_personas(folder, max_bytes=max_bytes)
    if options.all_personas:
        for error in found.errors:
            err.write(f"simulator: skipped {error}\n")
        return list(found.personas)
    if not options.persona:
        raise PersonaError(folder, ["name a persona with --persona NAME, or use --all"])
    return [found.find(options.persona)]


def _write_report(path: Path, events: list[Event], persona: Persona) -> None:
    """The same report the app exports; it renders the events' scorecard itself."""
    from simulator.report import write_report

    path.parent.mkdir(parents=True, exist_ok=True)
    write_report(path, events, title=f"Rehearsal with {persona.name} ({persona.difficulty})")


class _Show:
    """Consumes the runner's events: prints them, and keeps them for reports and waiting."""

    def __init__(self, out: TextIO, *, jsonl: bool, transcript: bool) -> None:
        self._out = out
        self._jsonl = jsonl
        self._transcript = transcript
        self.events: list[Event] = []
        self._changed = asyncio.Condition()

    async def pump(self, events: AsyncIterator[Event]) -> None:
        async for event in events:
            if self._jsonl:
                self._out.write(to_json(event) + "\n")
            elif self._transcript:
                self._print(event)
            async with self._changed:
                self.events.append(event)
                self._changed.notify_all()

    async def mark(self) -> int:
        async with self._changed:
            return len(self.events)

    async def until_scorecard(self, start: int) -> list[Event]:
        """The events from ``start`` up to the final scorecard, once it has come through."""

        def final(n: int) -> bool:
            event = self.events[n]
            return isinstance(event, ScorecardEvent) and event.scorecard.final

        async with self._changed:
            await self._changed.wait_for(lambda: any(map(final, range(start, len(self.events)))))
            end = next(n for n in range(start, len(self.events)) if final(n))
            return self.events[start : end + 1]

    def _print(self, event: Event) -> None:
        """The conversation, what each persona line meant, handoffs, unsupported claims and
        problems (the same lines as ``simulator chat``)."""
        if isinstance(event, TranscriptEvent):
            text = f"{AGENT_NAMES[event.speaker]}{reply_label(event)}: {event.text}"
        elif isinstance(event, (PersonaEvent, HandoffEvent, ClaimCheckEvent)) or (
            isinstance(event, StatusEvent) and event.level != "info"
        ):
            text = describe(event)
        else:
            return
        if text:
            self._out.write(clean(text) + "\n")
        self._out.flush()
