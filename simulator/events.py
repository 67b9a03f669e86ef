"""Every event the simulator emits, in one place.

The session runner yields these; the desktop app, the terminal, the session log and the tests all
read the same stream. Each event is a frozen pydantic model with a ``type`` literal and a
``created_at`` timestamp, joined in the discriminated union :data:`Event`; :func:`to_json` and
:func:`from_json` are the only (de)serialisers, one JSON object per line.
"""

from __future__ import annotations

import time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from simulator.errors import shorten

AgentRole = Literal["greeter", "technical", "pricing"]
Seller = Literal["greeter", "technical", "pricing", "rep"]
"""Who answers the customer: an agent of the team, or the user as the company's rep (Rep
mode)."""
Speaker = Literal["customer", "greeter", "technical", "pricing", "rep"]
Provider = Literal["cerebras", "offline", "scripted"]
Scorer = Literal["minilm", "wordllama"]

AGENT_NAMES: dict[str, str] = {
    "greeter": "Greeter",
    "technical": "Technical Specialist",
    "pricing": "Pricing Specialist",
    "customer": "Customer",
    "rep": "Rep",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Event(_Model):
    created_at: float = Field(default_factory=time.time)


class PassageUnit(_Model):
    """One unit of a passage (its heading, or one sentence under its heading) and how close it
    came to the query (the ranker's cosine, in [-1, 1])."""

    text: str
    """The unit as the ranker scored it: "heading: sentence" (or the heading, or the sentence)."""
    score: float


class Passage(_Model):
    """One retrieved chunk of the knowledge base."""

    source: str
    """Path relative to the knowledge folder, with forward slashes."""
    section: str
    score: float
    text: str
    scope: tuple[AgentRole, ...] | None = None
    """The agents that may see this passage (its ``technical/``/``pricing/`` folder or its front
    matter's ``agents``); ``None`` means every agent."""
    scorer: Scorer | None = None
    """What ranked it: the contextual encoder (``minilm``) or word vectors alone (``wordllama``,
    while the encoder is still filling or not installed)."""
    units: tuple[PassageUnit, ...] = ()
    """Its best-matching units, best first (up to three; empty when not ranked by the index)."""


class SessionStartedEvent(_Event):
    type: Literal["session_started"] = "session_started"
    session_id: str
    provider: Provider
    model: str
    knowledge_dir: str
    agent: AgentRole = "greeter"


class ConversationResetEvent(_Event):
    """A new conversation began with the Greeter; the history is gone."""

    type: Literal["conversation_reset"] = "conversation_reset"
    agent: AgentRole = "greeter"


class TranscriptDeltaEvent(_Event):
    """A piece of an agent's reply as the model streams it."""

    type: Literal["transcript_delta"] = "transcript_delta"
    turn_id: int
    speaker: AgentRole
    delta: str


class TranscriptEvent(_Event):
    """One finished utterance: the customer's, an agent's, or in Rep mode the user's as the rep."""

    type: Literal["transcript"] = "transcript"
    turn_id: int
    speaker: Speaker
    text: str
    provider: Provider | None = None
    """Which model wrote an agent's reply; ``offline`` is shown as such to the user."""
    interrupted: bool = False
    scorer: Scorer | None = None
    """For an offline reply: what chose it, the contextual encoder (``minilm``) or word vectors
    (``wordllama``, while the encoder is still filling); the same question gets the same answer
    only from the same scorer."""


class RetrievalEvent(_Event):
    """The passages placed in the prompt of one agent reply."""

    type: Literal["retrieval"] = "retrieval"
    turn_id: int
    agent: AgentRole
    query: str
    passages: tuple[Passage, ...]
    elapsed_ms: float
    reused: bool = False
    """The passages come from the same line's earlier search (a handoff, a look-up)."""
    ahead: bool = False
    """Searched ahead for this agent, while the model read the previous agent's prompt (a
    handoff): ``elapsed_ms`` is then only what was left of it when the agent took over."""


class HandoffEvent(_Event):
    type: Literal["handoff"] = "handoff"
    turn_id: int
    from_agent: AgentRole
    to_agent: AgentRole
    reason: str


class ToolCallEvent(_Event):
    """A structured look-up (stock, purchase history, recommendation) and what it returned."""

    type: Literal["tool_call"] = "tool_call"
    turn_id: int
    agent: AgentRole
    name: str
    arguments: dict[str, str | int | float | bool | None]
    output: str


class EarlierRequest(_Model):
    """An LLM request of the same turn that came before the reply's own: the handing-off agent
    deciding to transfer, or an agent deciding on a look-up. Times are from the end of the
    customer's turn."""

    agent: AgentRole
    purpose: Literal["handoff", "look-up"]
    start_ms: float
    duration_ms: float
    retrieval_ms: float | None = None
    """The retrieval that ran just before this request (it ends where the request starts)."""


class LatencyStages(_Model):
    """Where one reply's time went; ``None`` means the stage did not happen (e.g. no TTS).

    Durations (``*_ms``) say how long a stage took; the ``first_token_ms``, ``first_audio_ms``,
    ``full_reply_ms`` and ``llm_start_ms`` marks are measured from the end of the customer's turn
    (the Enter key, or the end of speech), so a view lays every stage on one time axis."""

    end_of_utterance_ms: float | None = None
    stt_ms: float | None = None
    retrieval_ms: float | None = None
    llm_ttft_ms: float | None = None
    llm_total_ms: float | None = None
    tokens_per_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    server_queue_ms: float | None = None
    server_prompt_ms: float | None = None
    server_completion_ms: float | None = None
    server_total_ms: float | None = None
    tts_ttfb_ms: float | None = None
    failed_attempt_ms: float | None = None
    """A degraded turn: how long the customer waited on a provider that then failed (Cerebras
    before the offline answer); part of ``llm_ttft_ms`` and ``e2e_ms``, shown as its own stage."""
    e2e_ms: float | None = None
    """From the end of the customer's turn to the reply's first output (audio if spoken, else
    text)."""
    first_token_ms: float | None = None
    """From the end of the customer's turn to the reply's first token (text)."""
    first_audio_ms: float | None = None
    """From the end of the customer's speech to the reply's first audio (voice only)."""
    full_reply_ms: float | None = None
    """From the end of the customer's turn to the reply's last token: the whole reply written."""
    llm_start_ms: float | None = None
    """From the end of the customer's turn to the reply's own LLM request."""
    earlier_requests: tuple[EarlierRequest, ...] = ()
    """The turn's LLM requests before the reply's own (a handoff's, a look-up's), in order."""


class LatencyEvent(_Event):
    type: Literal["latency"] = "latency"
    turn_id: int
    agent: AgentRole
    provider: Provider
    model: str
    stages: LatencyStages


class StatusEvent(_Event):
    """Something the user should know: provider in use, a degraded turn, a skipped file."""

    type: Literal["status"] = "status"
    level: Literal["info", "warning", "error"]
    source: str
    """What it concerns: ``cerebras``, ``knowledge``, ``session``..."""
    message: str
    """A sentence for a person; often built from an exception or a server's words, so it is cut
    to a readable length here, the one place every status passes."""

    @field_validator("message")
    @classmethod
    def _readable(cls, message: str) -> str:
        return shorten(message, 1000)


class TurnCompletedEvent(_Event):
    """The team has finished answering the customer's turn; the customer may speak again."""

    type: Literal["turn_completed"] = "turn_completed"
    turn_id: int
    agent: AgentRole


class SessionEndedEvent(_Event):
    type: Literal["session_ended"] = "session_ended"
    reason: str = "closed"


# -- Coach mode, personas, claim check and scorecard ----------------------------------------------

Mode = Literal["customer", "coach", "rep"]
CustomerPlayer = Literal["user", "persona"]
Difficulty = Literal["easy", "medium", "hard"]
Outcome = Literal["agreed", "declined", "undecided"]
"""How a conversation ended for the customer: a next step agreed, turned down, or neither."""


class CoachWhisperEvent(_Event):
    """Guidance from the coach to the sales team; it is never shown to the customer side.

    ``queued`` when the coach sends it (``agent`` is the agent active then); ``delivered`` when it
    was placed in the prompt of a reply (``agent`` is the agent that received it, ``turn_id`` the
    reply's turn).
    """

    type: Literal["coach_whisper"] = "coach_whisper"
    status: Literal["queued", "delivered"]
    turn_id: int
    agent: AgentRole
    text: str


class ModeChangedEvent(_Event):
    """Who plays the customer now: the user (Customer mode) or a persona (Coach mode; Rep mode,
    where the user answers it as the company's rep)."""

    type: Literal["mode_changed"] = "mode_changed"
    mode: Mode
    customer: CustomerPlayer
    persona: str | None = None
    """The persona's id (its file name without ``.yaml``), when one is loaded."""
    persona_name: str | None = None
    reason: str = ""


CoachState = Literal["ready", "playing", "paused", "taken_over", "ended"]
CoachSpeed = Literal["0.5x", "1x", "2x", "4x", "instant"]
COACH_SPEEDS: dict[str, float | None] = {
    "0.5x": 0.5,
    "1x": 1.0,
    "2x": 2.0,
    "4x": 4.0,
    "instant": None,
}
"""How fast Coach mode plays against a person's pace; ``instant`` does not wait at all."""


class CoachStateEvent(_Event):
    """Coach mode's play state, so a view can enable the right controls."""

    type: Literal["coach_state"] = "coach_state"
    state: CoachState
    persona: str
    customer_turns: int
    max_turns: int
    detail: str = ""
    speed: CoachSpeed | None = None
    """The pace it plays at (``None`` in logs written before pacing existed)."""
    getting_ready: bool = False
    """Playing, but the offline team's encoder is still loading: the first line waits for it."""


class CustomerTypingEvent(_Event):
    """The AI customer is reading the team's reply and typing its next line (Coach mode's pace).

    ``typing`` is ``True`` when it starts (``expected_ms`` at the current speed) and ``False``
    when it stops: its line follows, or it was paused or taken over before it said anything.
    """

    type: Literal["customer_typing"] = "customer_typing"
    persona: str
    turn_id: int
    """The turn its line will open."""
    typing: bool
    expected_ms: float = 0.0


PersonaAction = Literal[
    "opened",
    "raised_objection",
    "pushed_back",
    "accepted_answer",
    "gave_up_on_objection",
    "asked_follow_up",
    "revealed_fact",
    "concluded",
]


class PersonaEvent(_Event):
    """What the AI customer meant by its next line (published just before the line is sent)."""

    type: Literal["persona"] = "persona"
    turn_id: int
    persona: str
    action: PersonaAction
    objection: str | None = None
    """The persona's objection id this action concerns."""
    fact: str | None = None
    """The persona's hidden-fact id this action concerns."""
    detail: str = ""


class CustomerOutcomeEvent(_Event):
    """The AI customer ended the conversation (or the coach did): the persona's verdict."""

    type: Literal["customer_outcome"] = "customer_outcome"
    persona: str
    turn_id: int
    outcome: Outcome
    reason: str
    next_step: str | None = None
    """What the customer agreed to, when ``outcome`` is ``agreed``."""


ClaimKind = Literal["price", "percentage", "quantity", "date", "named_fact"]
Evidence = Literal["knowledge", "tool", "customer", "calculation"]
Verdict = Literal["supported", "contradicted", "unsupported"]


class Claim(_Model):
    """One checkable statement in an agent's reply and what the knowledge base says about it."""

    text: str
    """The span as written in the reply, e.g. ``$9 per sensor``."""
    start: int
    end: int
    """``reply[start:end] == text``."""
    kind: ClaimKind
    supported: bool
    evidence: Evidence | None = None
    """Where the support came from; ``None`` when unsupported."""
    supporting: Passage | None = None
    contradicting: Passage | None = None
    """For a contradicted claim, the fact's one sentence or table row (plain text) that states
    the right value."""
    note: str = ""
    verdict: Verdict | None = None
    """``supported``; ``contradicted`` (the knowledge states another value for the same subject
    and attribute); ``unsupported`` (nothing in the knowledge states it). ``None`` in logs
    written before verdicts existed: read :attr:`outcome`."""
    subject: str = ""
    """What the claim was bound to, as the reply names it (``Growth``), or empty."""
    correct: str | None = None
    """For a contradicted claim, the knowledge's value (``$41 per vehicle per month``)."""

    @property
    def outcome(self) -> Verdict:
        if self.verdict is not None:
            return self.verdict
        if self.supported:
            return "supported"
        return "contradicted" if self.contradicting is not None else "unsupported"


class ClaimCheckEvent(_Event):
    """The claim check of one agent reply (or the rep's line, in Rep mode): every price,
    percentage, quantity, date and named fact."""

    type: Literal["claim_check"] = "claim_check"
    turn_id: int
    agent: Seller
    reply: str
    claims: tuple[Claim, ...]
    elapsed_ms: float

    @property
    def unsupported(self) -> tuple[Claim, ...]:
        return tuple(c for c in self.claims if not c.supported)


ObjectionStatus = Literal["handled", "given_up", "open", "not_raised"]


class ObjectionScore(_Model):
    objection: str
    """The persona's objection id, or the playbook section's title for an objection it did not
    list."""
    label: str
    raised_turn: int
    """The turn of the customer line that raised it (0: never raised)."""
    raised_by: CustomerPlayer
    handled: bool
    handled_turn: int | None = None
    handled_by: Seller | None = None
    status: ObjectionStatus | None = None
    """``handled`` (the customer accepted an answer), ``given_up`` (it stopped asking),
    ``open`` or ``not_raised``; ``None`` in scorecards saved before it existed (read
    :attr:`state`)."""
    required: bool = False
    """The persona needs it settled before it agrees to the next step."""
    raised_line: str = ""
    """The customer's line that raised it, as said."""
    answer_line: str = ""
    """The team's reply the customer accepted (``handled``), as said."""
    prepared_response_used: bool = False
    prepared_response_overlap: float = 0.0
    """Share (0-1) of the best answer's content words that come from the prepared response."""
    playbook_section: str | None = None
    """The playbook section with the prepared response; ``None`` if the playbook has none."""
    prepared_response: str = ""
    """The playbook's prepared response itself (the rep's scorecard quotes what they could have
    said)."""
    last_answer: str = ""
    """The last answer given to it, accepted or not (the rep's own words, in Rep mode)."""
    given_up_on: str = ""
    """``given_up``: the question the customer stopped asking (a follow-up of an objection it
    had accepted), or what it found missing; empty when it gave up on the objection itself."""

    @property
    def state(self) -> ObjectionStatus:
        if self.status is not None:
            return self.status
        return "handled" if self.handled else "open"


class FactScore(_Model):
    fact: str
    kind: str
    label: str
    uncovered: bool
    asked_turn: int | None = None


class RoutingScore(_Model):
    """Whether one customer question was answered by the specialist it belongs to."""

    turn_id: int
    question: str
    expected: tuple[AgentRole, ...]
    """The specialists it belongs to (any of them will do)."""
    answered_by: AgentRole | None
    correct: bool


class UnsupportedClaim(_Model):
    turn_id: int
    agent: Seller
    text: str
    kind: ClaimKind
    contradicting: Passage | None = None
    correct: str | None = None
    """For a contradicted claim, the knowledge's value."""


class DiscoveryQuestion(_Model):
    """A question the rep asked (Rep mode), and the hidden facts it was about."""

    turn_id: int
    text: str
    facts: tuple[str, ...] = ()
    """The persona's hidden-fact ids whose cues the question holds."""


class ResponseTime(_Model):
    """How long the rep took to answer one customer line (Rep mode)."""

    turn_id: int
    line: str
    """The customer's line."""
    ms: float


class TalkRatio(_Model):
    customer_words: int
    agent_words: int

    @property
    def agent_share(self) -> float | None:
        total = self.customer_words + self.agent_words
        return self.agent_words / total if total else None


class LatencyScore(_Model):
    replies: int
    p50_ms: float | None = None
    p95_ms: float | None = None


ScoredSeat = Literal["team", "rep"]
"""Whose selling a scorecard grades: the AI team's (Customer and Coach mode) or the user's as the
rep (Rep mode)."""


class Scorecard(_Model):
    """How a rehearsal went, in typed fields (see :mod:`simulator.scorecard`)."""

    persona: str | None
    persona_name: str | None = None
    difficulty: Difficulty | None = None
    outcome: Outcome
    outcome_reason: str
    next_step: str | None = None
    final: bool
    """``True`` at the end of the session; ``False`` for one asked for mid-way."""
    customer_turns: int
    agent_replies: int
    objections: tuple[ObjectionScore, ...] = ()
    facts: tuple[FactScore, ...] = ()
    routing: tuple[RoutingScore, ...] = ()
    claims_checked: int = 0
    unsupported_claims: tuple[UnsupportedClaim, ...] = ()
    talk: TalkRatio
    """In Rep mode ``agent_words`` are the rep's."""
    latency: LatencyScore
    seat: ScoredSeat = "team"
    discovery: tuple[DiscoveryQuestion, ...] = ()
    """The rep's questions (Rep mode)."""
    response_times: tuple[ResponseTime, ...] = ()
    """How long the rep took to answer each customer line (Rep mode)."""
    longest_monologue_words: int = 0
    """The most words said in a row by the seller, before the customer spoke again."""

    @property
    def claims_wrong(self) -> int:
        """Claims the knowledge states otherwise (contradicted)."""
        return sum(c.contradicting is not None for c in self.unsupported_claims)

    @property
    def claims_unfounded(self) -> int:
        """Claims nothing in the knowledge states."""
        return sum(c.contradicting is None for c in self.unsupported_claims)

    @property
    def claims_right(self) -> int:
        return self.claims_checked - len(self.unsupported_claims)

    @property
    def objections_handled(self) -> int:
        return sum(o.handled for o in self.objections)

    @property
    def objections_raised(self) -> tuple[ObjectionScore, ...]:
        return tuple(o for o in self.objections if o.state != "not_raised")

    @property
    def not_settled(self) -> tuple[ObjectionScore, ...]:
        """The objections that keep the customer from agreeing: the required ones not handled
        (raised or not), and any it gave up on."""
        return tuple(
            o for o in self.objections if (o.required and not o.handled) or o.state == "given_up"
        )

    @property
    def prepared_responses_used(self) -> int:
        return sum(o.prepared_response_used for o in self.objections)

    @property
    def facts_uncovered(self) -> int:
        return sum(f.uncovered for f in self.facts)

    @property
    def routed_correctly(self) -> int:
        return sum(r.correct for r in self.routing)


class ScorecardEvent(_Event):
    type: Literal["scorecard"] = "scorecard"
    scorecard: Scorecard


# -- Rep mode: the user sells, the team is their co-pilot -----------------------------------------


class CopilotLookup(_Model):
    """A structured look-up the co-pilot ran for a customer line (stock, purchase history)."""

    name: str
    argument: str
    output: str


class CopilotContextEvent(_Event):
    """What the rep would want at hand for one customer line: the passages ranked for it, the
    look-ups it calls for and, when it raises an objection, the playbook's prepared response.
    Only the rep sees it; the customer never does."""

    type: Literal["copilot_context"] = "copilot_context"
    turn_id: int
    line: str
    """The customer's line it was prepared for."""
    passages: tuple[Passage, ...] = ()
    """Best first."""
    lookups: tuple[CopilotLookup, ...] = ()
    objection: str | None = None
    """The objection the line raises (the playbook section's title), if it raises one."""
    playbook_section: str | None = None
    prepared_response: str = ""
    questions_to_ask: tuple[str, ...] = ()
    """The playbook's follow-up questions for that objection: discovery the rep could do."""
    elapsed_ms: float = 0.0


class CopilotAnswerEvent(_Event):
    """The co-pilot's private answer to the rep's question, grounded in the knowledge and citing
    it; the customer never sees the question or the answer."""

    type: Literal["copilot_answer"] = "copilot_answer"
    turn_id: int
    question: str
    answer: str
    """Sentences of the cited passages; says so when the material has nothing on it."""
    passages: tuple[Passage, ...] = ()
    """The passages the answer was taken from, best first."""
    answered: bool = True
    """``False`` when the material does not answer it (``passages`` are then the closest)."""
    elapsed_ms: float = 0.0


PracticeState = Literal["customer", "rep", "ended"]
"""Rep mode's turn: the persona is reading and answering (``customer``), the rep's turn
(``rep``), or the call is over."""


class PracticeStateEvent(_Event):
    """Whose turn it is in Rep mode, so a view can enable the right controls."""

    type: Literal["practice_state"] = "practice_state"
    state: PracticeState
    persona: str
    customer_turns: int
    max_turns: int
    detail: str = ""


class PracticeAttempt(_Model):
    """One finished Rep-mode call with a persona, as kept in the progress file."""

    at: float
    """When it ended (seconds since the epoch)."""
    outcome: Outcome
    objections_handled: int
    objections: int
    facts_uncovered: int
    facts: int
    claims_wrong: int
    claims_unfounded: int
    claims: int

    @property
    def score(self) -> float:
        """The share (0-1) of the call's checks that went right: each objection handled, each
        hidden fact uncovered, each claim that held, and the outcome (agreed) count one each."""
        done = (
            self.objections_handled
            + self.facts_uncovered
            + (self.claims - self.claims_wrong - self.claims_unfounded)
            + (self.outcome == "agreed")
        )
        total = self.objections + self.facts + self.claims + 1
        return done / total


class PracticeProgressEvent(_Event):
    """Every attempt with a persona so far (this one last), from the local progress file."""

    type: Literal["practice_progress"] = "practice_progress"
    persona: str
    persona_name: str
    attempts: tuple[PracticeAttempt, ...]


Event = Annotated[
    SessionStartedEvent
    | ConversationResetEvent
    | TranscriptDeltaEvent
    | TranscriptEvent
    | RetrievalEvent
    | HandoffEvent
    | ToolCallEvent
    | LatencyEvent
    | StatusEvent
    | TurnCompletedEvent
    | SessionEndedEvent
    | CoachWhisperEvent
    | ModeChangedEvent
    | CoachStateEvent
    | CustomerTypingEvent
    | PersonaEvent
    | CustomerOutcomeEvent
    | ClaimCheckEvent
    | ScorecardEvent
    | CopilotContextEvent
    | CopilotAnswerEvent
    | PracticeStateEvent
    | PracticeProgressEvent,
    Field(discriminator="type"),
]

_adapter: TypeAdapter[Event] = TypeAdapter(Event)


def to_json(event: Event) -> str:
    """One event as one line of JSON (no newline inside)."""
    return event.model_dump_json()


def from_json(line: str | bytes) -> Event:
    """Parse one line written by :func:`to_json`; raises ``pydantic.ValidationError`` if
    malformed."""
    return _adapter.validate_json(line)
