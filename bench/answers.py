"""Answers benchmark: does the offline team answer the question asked, and who answers it?

    .venv/bin/python bench/answers.py                      # sample and held-out sets
    .venv/bin/python bench/answers.py --set sample --details
    .venv/bin/python bench/answers.py --set parcelwise --details   # tests/data/other_company
    .venv/bin/python bench/answers.py --set orisent --details      # the dev company
    .venv/bin/python bench/answers.py --set my/questions.yaml --knowledge my/knowledge

Every question of a set is asked in a fresh conversation (``SessionRunner.reset``) of the real
session on the offline responder, exactly as ``simulator chat --offline`` would run it. Reported:

- **holds the fact**: the team's final reply contains every entry of the question's ``facts``
  (case-insensitive; `` | `` separates accepted alternatives of one entry);
- **routing**: the agent who gave the final reply is the question's ``route``, over all questions
  and over the ``unambiguous`` ones (clearly one agent's topic).

- **chosen by**: what chose the final replies, the contextual encoder (``minilm``) or word vectors
  (``wordllama``); each reply says so (``TranscriptEvent.scorer``). The bench waits for the
  encoder before asking, so every reply should be the encoder's: a row that says otherwise
  measured something else.

The claim check is left off (it judges replies, it does not change them). ``--details`` lists
each question's outcome; it is refused for the held-out set, whose failures must not be read or
tuned on: only its figures are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.eval_sets import (  # noqa: E402
    HELD_OUT,
    EvalSetError,
    Question,
    eval_sets,
    load_questions,
)
from simulator.events import TranscriptEvent, TurnCompletedEvent  # noqa: E402
from simulator.knowledge.index import KnowledgeIndex  # noqa: E402
from simulator.providers.offline import warming  # noqa: E402
from simulator.session import SessionRunner  # noqa: E402
from simulator.settings import Settings  # noqa: E402

TUNING = REPO / "tests" / "data" / "answers"
SETS = {
    **{s.name: (s.knowledge, s.questions) for s in eval_sets()},
    # the tuning sets written with the offline answers (tuned on, like the sample set)
    "coldtrace": (REPO / "knowledge", TUNING / "coldtrace.yaml"),
    "parcelwise": (REPO / "tests" / "data" / "other_company", TUNING / "parcelwise.yaml"),
    "orisent": (REPO / "tests" / "data" / "eval" / "dev" / "knowledge", TUNING / "orisent.yaml"),
}


@dataclass(frozen=True)
class Outcome:
    question: Question
    reply: str
    agent: str
    scorer: str
    """What chose the reply: minilm, wordllama, or "-" (a tool's output, no reply)."""

    @property
    def missing(self) -> list[str]:
        """The facts the reply lacks (each as written in the set)."""
        return self.question.missing_facts(self.reply)

    @property
    def holds_fact(self) -> bool:
        return not self.missing

    @property
    def routed(self) -> bool:
        return self.agent == self.question.route


FILL_TIMEOUT_S = 1800.0
"""How long to wait for the contextual encoder to cover the folder before asking."""


async def ask_all(knowledge: Path, questions: list[Question], data_dir: Path) -> list[Outcome]:
    """Each question in a fresh conversation of one offline session, once the contextual
    encoder serves the searches and has encoded the sentences the answers are chosen from (the
    figures are the encoder's, not the first minutes')."""
    settings = Settings(knowledge_dir=knowledge, data_dir=data_dir, offline=True)
    outcomes: list[Outcome] = []
    # Kept open while the session runs: the session's index shares this one's encoder fill.
    index = KnowledgeIndex(knowledge, settings.index_dir)
    try:
        await asyncio.to_thread(index.update)
        await asyncio.to_thread(index.wait_contextual, FILL_TIMEOUT_S)
        print(
            f"[answers] {knowledge}: searches by {index.scorer}, answers chosen with "
            f"{index.embedder}",
            file=sys.stderr,
        )
        outcomes = await _ask(settings, questions)
    finally:
        index.close()
    return outcomes


async def _ask(settings: Settings, questions: list[Question]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    async with SessionRunner(settings, check_claims=False) as runner:
        session = runner.agent_session
        if session is not None:  # the answers chosen with the encoder, not the first minutes'
            await asyncio.to_thread(warming.wait, session.userdata.view, FILL_TIMEOUT_S)
        events = runner.events()
        for n, question in enumerate(questions):
            if n:
                await runner.reset()
            await runner.send(question.question)
            reply, agent, scorer = "", "greeter", "-"
            async for event in events:
                if isinstance(event, TranscriptEvent) and event.speaker != "customer":
                    reply, agent, scorer = event.text, event.speaker, event.scorer or "-"
                if isinstance(event, TurnCompletedEvent):
                    break
            outcomes.append(Outcome(question, reply, agent, scorer))
    return outcomes


@dataclass(frozen=True)
class Figures:
    questions: int
    holds_fact: int
    with_facts: int
    routed: int
    unambiguous: int
    routed_unambiguous: int
    scorers: dict[str, int]
    """How many final replies each scorer chose."""

    @classmethod
    def of(cls, outcomes: list[Outcome]) -> Figures:
        factual = [o for o in outcomes if o.question.facts]
        clear = [o for o in outcomes if o.question.unambiguous]
        return cls(
            questions=len(outcomes),
            holds_fact=sum(o.holds_fact for o in factual),
            with_facts=len(factual),
            routed=sum(o.routed for o in outcomes),
            unambiguous=len(clear),
            routed_unambiguous=sum(o.routed for o in clear),
            scorers=dict(Counter(o.scorer for o in outcomes)),
        )

    def row(self, name: str) -> str:
        def share(part: int, whole: int) -> str:
            return f"{part}/{whole} ({part / whole:.2f})" if whole else "-"

        return (
            f"| {name} | {self.questions} | {share(self.holds_fact, self.with_facts)} "
            f"| {share(self.routed, self.questions)} "
            f"| {share(self.routed_unambiguous, self.unambiguous)} "
            f"| {', '.join(f'{k} {v}' for k, v in sorted(self.scorers.items()))} |"
        )


HEADER = (
    "| set | questions | answer holds the fact | routing (all) | routing (unambiguous) "
    "| chosen by |\n"
    "|---|---|---|---|---|---|"
)


def details(outcomes: list[Outcome]) -> str:
    lines = []
    for o in outcomes:
        marks = ("fact " if o.holds_fact else "FACT ") + ("route" if o.routed else "ROUTE")
        lines.append(f"[{marks}] {o.question.question}")
        lines.append(f"    {o.agent} (want {o.question.route}, by {o.scorer}): {o.reply}")
        if o.missing:
            lines.append(f"    missing: {o.missing}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set",
        action="append",
        dest="sets",
        help="sample, holdout, holdout2, coldtrace, parcelwise, orisent, or a questions.yaml path "
        "(with --knowledge); repeatable (default: sample and holdout)",
    )
    parser.add_argument("--knowledge", type=Path, help="knowledge folder of a --set path")
    parser.add_argument("--details", action="store_true", help="each question's outcome")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep each set's index and encoded sentences here between runs (quicker when "
        "tuning); default: a fresh temporary folder per run",
    )
    args = parser.parse_args(argv)

    rows: dict[str, Figures] = {}
    for name in args.sets or ["sample", "holdout"]:
        if name in SETS:
            knowledge, path = SETS[name]
        elif args.knowledge is None:
            parser.error(f"--set {name}: a question file needs --knowledge DIR")
        else:
            knowledge, path = args.knowledge, Path(name)
        if not path.is_file():
            print(f"[answers] {name}: no question set at {path}, skipped", file=sys.stderr)
            continue
        try:
            questions = load_questions(path)
        except EvalSetError as e:
            raise SystemExit(f"[answers] {e}") from None
        started = time.perf_counter()
        if args.data_dir is not None:
            outcomes = asyncio.run(ask_all(knowledge, questions, args.data_dir / Path(name).stem))
        else:
            with tempfile.TemporaryDirectory(prefix="simulator-answers-") as tmp:
                outcomes = asyncio.run(ask_all(knowledge, questions, Path(tmp)))
        elapsed = time.perf_counter() - started
        rows[name] = Figures.of(outcomes)
        print(f"[answers] {name}: {len(questions)} questions in {elapsed:.0f} s", file=sys.stderr)
        if args.details:
            if name in HELD_OUT:
                print(f"[answers] {name}: details withheld (held-out set)", file=sys.stderr)
            else:
                print(details(outcomes))
    print(HEADER)
    for name, figures in rows.items():
        print(figures.row(name))
    if args.json:
        args.json.write_text(
            json.dumps({name: vars(f) for name, f in rows.items()}, indent=2), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
