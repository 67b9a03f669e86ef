"""AI customers for Coach mode: persona files, the playbook they are judged by, and who plays them.

    model              Persona and its parts, validated from ``personas/*.yaml`` (PersonaError names
    file and field)
    playbook           the knowledge folder's objection-handling playbook: prepared responses per
    objection
    judging            did an answer address an objection, did the agent ask about a fact (shared
    with the scorecard)
    customer           CustomerView / CustomerTurn: what an AI customer sees (the transcript only)
    and says
    players            build_customer: who plays a persona (Cerebras with a key, else the offline
    driver)
    driver             OfflinePersonaDriver: deterministic, no keys
    cerebras_customer  CerebrasCustomer: an LLM playing the persona from ``prompts/customer.md``

``cerebras_customer`` imports livekit-agents; everything else here is light.
"""

from simulator.personas.customer import Customer, CustomerTurn, CustomerView, Line
from simulator.personas.model import (
    Persona,
    PersonaError,
    PersonaSet,
    load_persona,
    load_personas,
)
from simulator.personas.playbook import Playbook, PlaybookEntry
from simulator.personas.players import build_customer
from simulator.settings import BUNDLED_PERSONAS

__all__ = [
    "BUNDLED_PERSONAS",
    "Customer",
    "CustomerTurn",
    "CustomerView",
    "Line",
    "Persona",
    "PersonaError",
    "PersonaSet",
    "Playbook",
    "PlaybookEntry",
    "build_customer",
    "load_persona",
    "load_personas",
]
