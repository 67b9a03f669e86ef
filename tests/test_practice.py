"""Rep mode on the real session: a persona calls, the test types the rep's lines, the offline
team stands beside it as the co-pilot. A good rep is agreed to, a rep who dodges is declined, a
misquoted price is flagged with the right one, and every call adds to the rep's progress."""

from __future__ import annotations

import asyncio
import io
import json
import stat
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from simulator.cli import build_parser
from simulator.commands import (
    AskCopilotCommand,
    EndRehearsalCommand,
    PlayCommand,
    PracticeCommand,
    PushToTalkCommand,
    SayCommand,
    SetModeCommand,
    WhisperCommand,
)
from simulator.errors import SessionError
from simulator.event_text import progress_line, rep_claim_line
from simulator.events import (
    ClaimCheckEvent,
    CopilotAnswerEvent,
    CopilotContextEvent,
    CustomerOutcomeEvent,
    Event,
    ModeChangedEvent,
    PersonaEvent,
    PracticeProgressEvent,
    PracticeStateEvent,
    ScorecardEvent,
    TranscriptEvent,
)
from simulator.host.controller import SessionController
from simulator.personas import load_personas
from simulator.practice import PracticeSession, open_practice
from simulator.practice_progress import FILE_NAME, PracticeProgress, attempt_of
from simulator.scorecard_render import parts, render_text, tiles
from simulator.session import SessionRunner
from simulator.settings import BUNDLED_KNOWLEDGE, Settings
from simulator.terminal import run_chat

GOOD_REP = [
    "Thanks Derek. Before we talk products: what is your current agreement with FrostWatch, "
    "are you locked in?",
    "Understood. FrostWatch works, but are sensors dropping off the Wi-Fi? Is there a problem "
    "with batteries?",
    "ColdTrace sensors run on LoRaWAN, not Wi-Fi, so walk-in freezers are no problem, the "
    "batteries last five years, and each sensor keeps a buffer of readings if the gateway is "
    "down. Customers replacing FrostWatch hardware receive a trade-in credit of $25 per "
    "replaced sensor.",
    "On total cost over three years, ColdTrace pays for itself: no batteries to change, and at "
    "your size a volume discount applies.",
    "Shall we set up a remote site survey and a pilot at three stores?",  # never needed
]
DODGING_REP = [
    "Great to meet you Derek.",
    "We have a great product.",
    "Our customers love us.",
    "It is really good, trust me.",
    "I can send you a brochure.",
    "We are the best.",
    "Really, it is great.",
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        knowledge_dir=BUNDLED_KNOWLEDGE,
        data_dir=tmp_path / "data",
        offline=True,
        coach_speed="instant",
    )


class Call:
    """The events of one runner, and the rep's side of the call: say a line, wait for the
    persona's answer (or the end)."""

    def __init__(self, runner: SessionRunner) -> None:
        self.events: list[Event] = []
        self._rep_turn = asyncio.Event()
        runner.add_observer(self._see)

    def _see(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, PracticeStateEvent) and event.state in ("rep", "ended"):
            self._rep_turn.set()

    async def opened(self) -> None:
        await asyncio.wait_for(self._rep_turn.wait(), 60)

    async def say(self, practice: PracticeSession, text: str) -> None:
        self._rep_turn.clear()
        await practice.rep_says(text)
        await asyncio.wait_for(self._rep_turn.wait(), 60)

    async def say_through(self, controller: SessionController, text: str) -> None:
        self._rep_turn.clear()
        await controller.execute(SayCommand(text=text))
        await asyncio.wait_for(self._rep_turn.wait(), 60)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    def lines(self, speaker: str) -> list[str]:
        return [e.text for e in self.of(TranscriptEvent) if e.speaker == speaker]


async def sell(settings: Settings, lines: list[str], persona: str = "frostwatch-loyalist") -> Call:
    """One Rep-mode call: the rep says ``lines`` until the persona ends it (or hangs up after)."""
    async with SessionRunner(settings) as runner:
        call = Call(runner)
        practice = await open_practice(runner, load_personas().find(persona))
        try:
            await call.opened()
            for line in lines:
                if practice.ended:
                    break
                await call.say(practice, line)
            await practice.end()
        finally:
            await practice.aclose()
    return call


async def test_a_rep_who_uncovers_the_pain_and_answers_both_objections_is_agreed(
    settings: Settings,
) -> None:
    call = await sell(settings, GOOD_REP)

    customer = call.lines("customer")
    assert customer[0] == (
        "Hi, Derek Olsen, facilities at Harvest Lane Markets, twenty-two grocery stores."
    )
    assert customer[-1].endswith("Let's do the site survey and a pilot at three stores.")
    assert call.lines("rep") == GOOD_REP[: len(call.lines("rep"))]
    # nobody on the team spoke to the customer
    assert {e.speaker for e in call.of(TranscriptEvent)} == {"customer", "rep"}

    # the co-pilot prepared every customer line but the last (the call ended with it)
    contexts = call.of(CopilotContextEvent)
    assert [c.line for c in contexts] == customer[:-1]
    assert all(not p.source.endswith(".csv") for c in contexts for p in c.passages)
    competitor = next(c for c in contexts if "Why would I rip it out?" in c.line)
    assert competitor.objection is not None and "competitor" in competitor.objection
    assert competitor.prepared_response.startswith("Makes sense")
    assert competitor.questions_to_ask
    assert competitor.passages[0].source in {
        "objection-handling-playbook.md",
        "competitive/competitor-comparison.md",
    }

    # every rep line was claim-checked as the rep's; these figures hold
    checks = call.of(ClaimCheckEvent)
    assert [c.reply for c in checks] == call.lines("rep")
    assert {c.agent for c in checks} == {"rep"}
    claims = [claim for c in checks for claim in c.claims]
    assert any(c.text.startswith("$25") and c.outcome == "supported" for c in claims)
    assert all(c.outcome != "contradicted" for c in claims)

    outcome = call.of(CustomerOutcomeEvent)[-1]
    assert outcome.outcome == "agreed"
    assert outcome.next_step == "a remote site survey and a pilot at three stores"
    card = call.of(ScorecardEvent)[-1].scorecard
    assert card.final and card.seat == "rep" and card.outcome == "agreed"
    assert card.routing == ()
    assert [(o.objection, o.handled) for o in card.objections] == [
        ("competitor", True),
        ("price", True),
    ]
    # agreed after four lines: the budget was never asked about
    assert len(call.lines("rep")) == 4
    assert [(f.fact, f.uncovered) for f in card.facts] == [
        ("contract", True),
        ("pain", True),
        ("budget", False),
    ]
    asked = {fact for q in card.discovery for fact in q.facts}
    assert asked == {"contract", "pain"}
    assert card.discovery[0].text.endswith("are you locked in?")
    assert len(card.response_times) == len(call.lines("rep"))
    assert card.response_times[0].line == customer[0]
    assert card.longest_monologue_words == max(len(line.split()) for line in call.lines("rep"))
    assert card.talk.agent_words == sum(len(line.split()) for line in call.lines("rep"))

    shown = dict(tiles(card))
    assert shown["Objections handled"] == "2/2"
    assert shown["Hidden facts uncovered"] == "2/3"
    assert render_text(card).startswith("Scorecard - Derek Olsen")

    progress = call.of(PracticeProgressEvent)[-1]
    assert progress.persona == "frostwatch-loyalist" and len(progress.attempts) == 1
    assert progress.attempts[0].outcome == "agreed"
    assert progress.attempts[0].score > 0.8
    saved = settings.data_dir / FILE_NAME
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert [a.outcome for a in PracticeProgress(settings.data_dir).attempts(progress.persona)] == [
        "agreed"
    ]


async def test_a_rep_who_dodges_the_objections_is_declined_and_shown_the_playbook(
    settings: Settings,
) -> None:
    call = await sell(settings, DODGING_REP)

    assert "Give me something concrete." in call.lines("customer")[2]
    assert call.of(CustomerOutcomeEvent)[-1].outcome == "declined"
    card = call.of(ScorecardEvent)[-1].scorecard
    assert card.outcome == "declined" and card.objections_handled == 0
    assert card.facts_uncovered == 0 and card.discovery == ()
    competitor = card.objections[0]
    assert competitor.objection == "competitor" and not competitor.handled
    assert competitor.last_answer == "It is really good, trust me."  # the rep's own words, quoted
    assert competitor.prepared_response.startswith("Makes sense")

    rows = {part.title: part.rows for part in parts(card)}
    objection_rows = rows["OBJECTIONS"]
    assert all(row.mark == "✗" for row in objection_rows)
    assert "you said “It is really good, trust me.”" in objection_rows[0].text
    assert objection_rows[0].quote == competitor.prepared_response
    assert all(row.mark == "✗" and "never asked" in row.text for row in rows["HIDDEN FACTS"])


async def test_nobody_answers_the_customer_after_it_ends_the_call(settings: Settings) -> None:
    late: list[asyncio.Task[int]] = []
    async with SessionRunner(settings) as runner:
        call = Call(runner)
        practice = await open_practice(runner, load_personas().find("frostwatch-loyalist"))

        def answer_the_goodbye(event: Event) -> None:
            # the rep tries to answer while the persona is saying its closing line
            if isinstance(event, PersonaEvent) and event.action == "concluded":
                late.append(asyncio.create_task(practice.rep_says("Wait, one more thing!")))

        runner.add_observer(answer_the_goodbye)
        try:
            await call.opened()
            for line in DODGING_REP:
                if practice.ended:
                    break
                await call.say(practice, line)
            await practice.wait_ended()
        finally:
            await practice.aclose()
    [attempt] = late
    with pytest.raises(SessionError, match="this call has ended"):
        await attempt
    lines = call.of(TranscriptEvent)
    [concluded] = [e for e in call.of(PersonaEvent) if e.action == "concluded"]
    assert (lines[-1].speaker, lines[-1].turn_id) == ("customer", concluded.turn_id)
    assert call.of(CustomerOutcomeEvent)[-1].outcome == "declined"


async def test_a_price_the_rep_misquotes_is_flagged_with_the_right_one_and_its_sentence(
    settings: Settings,
) -> None:
    wrong = "Our Professional plan is $6 per sensor per month."
    call = await sell(settings, ["Thanks for calling, Derek.", wrong])

    check = next(c for c in call.of(ClaimCheckEvent) if c.reply == wrong)
    assert check.agent == "rep"
    (claim,) = [c for c in check.claims if c.text.startswith("$6")]
    assert claim.outcome == "contradicted" and claim.correct is not None
    assert "$11" in claim.correct
    assert claim.contradicting is not None
    assert claim.contradicting.source == "pricing/pricing-and-plans.md"
    shown = rep_claim_line(claim)
    assert shown.startswith('  [✗ you said "$6') and "the material says $11" in shown
    assert "pricing/pricing-and-plans.md" in shown

    card = call.of(ScorecardEvent)[-1].scorecard
    assert card.claims_wrong == 1 and card.claims_unfounded == 0
    (flagged,) = card.unsupported_claims
    assert flagged.agent == "rep" and flagged.correct == claim.correct
    rows = {part.title: part.rows for part in parts(card)}
    (row,) = rows["YOUR CLAIMS"]
    assert row.mark == "⚠" and "you said “$6" in row.text and "$11" in row.text
    assert row.quote == claim.contradicting.text
    assert dict(tiles(card))["Claims right · wrong · unsupported"].split(" · ")[1] == "1"


async def test_the_co_pilot_answers_the_rep_privately_from_the_material(
    settings: Settings,
) -> None:
    async with SessionRunner(settings) as runner:
        call = Call(runner)
        practice = await open_practice(runner, load_personas().find("frostwatch-loyalist"))
        try:
            await call.opened()
            price = await practice.ask("What does the Professional plan cost?")
            stock = await practice.ask("Is the CT-100 in stock?")
            nothing = await practice.ask("Who won the football world cup in 1998?")
            await call.say(practice, "Thanks Derek, how can I help?")
        finally:
            await practice.aclose()

    assert "$11 per sensor per month" in price.answer and price.answered
    assert price.passages[0].source == "pricing/pricing-and-plans.md"
    assert stock.answered and stock.passages == ()
    assert "CT-100" in stock.answer and "stock" in stock.answer.lower()
    assert not nothing.answered and nothing.answer.startswith("The material has nothing")
    assert call.of(CopilotAnswerEvent) == [price, stock, nothing]
    # the customer never heard any of it
    said = " ".join(e.text for e in call.of(TranscriptEvent))
    assert "$11" not in said and "Professional" not in said


async def test_the_rep_waits_for_the_opening_and_an_ended_call_refuses_lines(
    settings: Settings,
) -> None:
    async with SessionRunner(settings) as runner:
        call = Call(runner)
        practice = await open_practice(runner, load_personas().find("frostwatch-loyalist"))
        try:
            await call.opened()
            card = await practice.end()
            assert card.final and card.outcome == "undecided"
            with pytest.raises(SessionError, match="this call has ended"):
                await practice.rep_says("Hello?")
            with pytest.raises(SessionError, match="empty"):
                await practice.ask("   ")
        finally:
            await practice.aclose()
    assert call.of(PracticeStateEvent)[-1].state == "ended"


def test_progress_survives_an_unreadable_file_and_keeps_the_last_attempts(
    tmp_path: Path,
) -> None:
    (tmp_path / FILE_NAME).write_text("{not json", encoding="utf-8")
    progress = PracticeProgress(tmp_path)
    first = progress.attempts("derek")
    assert first == ()
    assert progress.notice is not None and FILE_NAME in progress.notice
    (aside,) = tmp_path.glob(f"{FILE_NAME}.bad-*")
    assert aside.read_text(encoding="utf-8") == "{not json"  # nothing is lost

    from simulator.events import PracticeAttempt

    def attempt(n: int) -> PracticeAttempt:
        return PracticeAttempt(
            at=float(n),
            outcome="agreed" if n % 2 else "declined",
            objections_handled=n % 3,
            objections=2,
            facts_uncovered=1,
            facts=3,
            claims_wrong=0,
            claims_unfounded=0,
            claims=2,
        )

    for n in range(205):
        kept = progress.record("derek", attempt(n))
    assert len(kept) == 200 and kept[0].at == 5.0 and kept[-1].at == 204.0
    saved = json.loads((tmp_path / FILE_NAME).read_text(encoding="utf-8"))
    assert len(saved["personas"]["derek"]) == 200
    chart = progress_line(kept[-3:])
    assert chart == "▅▇▄  #1 50% declined · #2 75% agreed · #3 38% declined"


async def test_trying_again_adds_an_attempt(settings: Settings) -> None:
    await sell(settings, DODGING_REP[:2])
    call = await sell(settings, DODGING_REP[:2])
    (progress,) = call.of(PracticeProgressEvent)
    assert [a.outcome for a in progress.attempts] == ["undecided", "undecided"]
    card = call.of(ScorecardEvent)[-1].scorecard
    assert attempt_of(card, at=progress.attempts[-1].at) == progress.attempts[-1]


def practise(settings: Settings, lines: list[str], *, jsonl: bool, report: Path | None = None):
    out, err = io.StringIO(), io.StringIO()
    code = run_chat(
        settings,
        jsonl=jsonl,
        persona="frostwatch-loyalist",
        practice=True,
        report=report,
        stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
        out=out,
        err=err,
    )
    return code, out.getvalue(), err.getvalue()


def test_simulator_practice_jsonl_gives_the_persona_the_co_pilot_the_checks_and_the_card(
    settings: Settings, tmp_path: Path
) -> None:
    wrong = "Our Professional plan is $6 per sensor per month."
    report = tmp_path / "call.html"
    code, out, err = practise(
        settings,
        [
            "/ask What does the Professional plan cost?",
            wrong,
            "/whisper Mention the pilot.",
            "/again",
            *DODGING_REP,
        ],
        jsonl=True,
        report=report,
    )
    assert code == 0, err
    events = [TypeAdapter(Event).validate_json(line) for line in out.splitlines()]
    kinds = [type(e).__name__ for e in events]
    assert kinds.count("ModeChangedEvent") == 2  # the first call, then /again
    again = [n for n, e in enumerate(events) if isinstance(e, ModeChangedEvent)][1]
    first, second = events[:again], events[again:]

    # the first call: the private answer, then the misquote flagged with the right price
    (answer,) = [e for e in first if isinstance(e, CopilotAnswerEvent)]
    assert "$11 per sensor per month" in answer.answer
    (check,) = [e for e in first if isinstance(e, ClaimCheckEvent)]
    assert check.agent == "rep" and check.reply == wrong
    assert [(c.outcome, "$11" in (c.correct or "")) for c in check.claims] == [
        ("contradicted", True)
    ]
    # nobody on the team speaks to the customer in Rep mode: no whisper
    assert "(warning: unknown command /whisper; the commands are /ask, /end" in err
    # /again ended it (its attempt counts) and the same persona called again from the start
    assert [e.outcome for e in first if isinstance(e, CustomerOutcomeEvent)] == ["undecided"]
    customer = [
        e.text for e in second if isinstance(e, TranscriptEvent) and e.speaker == "customer"
    ]
    assert customer[0].startswith("Hi, Derek Olsen")
    rep = [e.text for e in second if isinstance(e, TranscriptEvent) and e.speaker == "rep"]
    assert rep == DODGING_REP[: len(rep)]
    # each rep line answers the line before it: none was typed before the persona had spoken
    said = [e for e in second if isinstance(e, TranscriptEvent)]
    assert [e.speaker for e in said] == ["customer", "rep"] * len(rep) + ["customer"]
    contexts = [e for e in second if isinstance(e, CopilotContextEvent)]
    assert [c.line for c in contexts] == customer[:-1]
    assert [e.outcome for e in second if isinstance(e, CustomerOutcomeEvent)] == ["declined"]
    card = [e for e in second if isinstance(e, ScorecardEvent)][-1].scorecard
    assert card.seat == "rep" and card.final and card.outcome == "declined"
    progress = [e for e in second if isinstance(e, PracticeProgressEvent)][-1]
    assert [a.outcome for a in progress.attempts] == ["undecided", "declined"]

    assert f"Report: {report}" in err
    page = report.read_text(encoding="utf-8")
    assert "Rep-mode call with Derek Olsen" in page and DODGING_REP[0] in page
    assert "The rep asked the co-pilot (the customer never saw it)" in page
    assert "your lines as the rep" in page and "<h2>Handoffs</h2>" not in page
    assert "you sold to Derek Olsen" in page


def test_simulator_practice_prints_the_call_for_a_person(settings: Settings) -> None:
    wrong = "Our Professional plan is $6 per sensor per month."
    code, out, err = practise(settings, [wrong, "/ask Is the CT-100 in stock?"], jsonl=False)
    assert code == 0, err
    assert "\nDerek Olsen: Hi, Derek Olsen" in out
    assert f"\nRep (you): {wrong}\n" in out
    assert '  [✗ you said "$6 per sensor per month": the material says $11' in out
    assert "  [co-pilot, only you see this]\n    objection: " in out
    assert "  [co-pilot, only you see this] Is the CT-100 in stock?" in out
    assert "Scorecard - Derek Olsen (frostwatch-loyalist, medium)" in out
    assert "Outcome: UNDECIDED - Ended by the rep." in out
    assert "  Progress with Derek Olsen: " in out


def test_practice_needs_a_persona_that_exists(settings: Settings) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run_chat(
        settings,
        jsonl=False,
        persona="nobody-at-all",
        practice=True,
        stdin=io.StringIO(""),
        out=out,
        err=err,
    )
    assert code == 2 and "nobody-at-all" in err.getvalue()
    args = build_parser().parse_args(
        ["practice", "--persona", "derek", "--offline", "--jsonl", "--report", "r.html"]
    )
    assert (args.persona, args.jsonl, args.report) == ("derek", True, Path("r.html"))


async def test_the_controller_keeps_rep_mode_to_its_rules(settings: Settings) -> None:
    async with SessionRunner(settings) as runner, SessionController(runner) as controller:
        call = Call(runner)
        with pytest.raises(SessionError, match="Rep mode needs a persona"):
            await controller.execute(SetModeCommand(mode="rep"))
        with pytest.raises(SessionError, match="Ask the co-pilot during a Rep-mode call"):
            await controller.execute(AskCopilotCommand(text="What does Starter cost?"))
        assert "is calling" in await controller.execute(
            PracticeCommand(persona="frostwatch-loyalist")
        )
        await call.opened()
        with pytest.raises(SessionError, match="ask the co-pilot instead"):
            await controller.execute(WhisperCommand(text="Mention the pilot."))
        with pytest.raises(SessionError, match="typing"):
            await controller.execute(PushToTalkCommand(pressed=True))
        with pytest.raises(SessionError, match="just type your answer"):
            await controller.execute(PlayCommand())
        assert "only you see it" in await controller.execute(
            AskCopilotCommand(text="What does the Starter plan cost?")
        )
        await call.say_through(controller, "Thanks for calling, Derek.")
        assert "scorecard" in await controller.execute(EndRehearsalCommand())
        with pytest.raises(SessionError, match="has ended: try again"):
            await controller.execute(SayCommand(text="Hello?"))
        # Coach mode with the same persona: the team sells again, in a new conversation
        await controller.execute(SetModeCommand(mode="coach"))
        assert controller.practice is None and controller.coach is not None
    starter = call.of(CopilotAnswerEvent)[-1]
    assert "$6 per sensor per month" in starter.answer
    assert [e.speaker for e in call.of(TranscriptEvent)] == ["customer", "rep", "customer"]
    (card,) = [e.scorecard for e in call.of(ScorecardEvent) if e.scorecard.seat == "rep"]
    assert card.final and card.outcome == "undecided"
    assert card.outcome_reason == "Ended by the rep."
