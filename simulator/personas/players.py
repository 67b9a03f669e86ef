"""Who plays a persona: the offline driver, or an LLM on Cerebras when a key is set.

Kept apart from :mod:`simulator.personas.customer` (the seam both players implement), so the
players import the seam and nothing imports back.
"""

from __future__ import annotations

from simulator.personas.customer import Customer
from simulator.personas.model import Persona
from simulator.personas.playbook import Playbook
from simulator.settings import Settings


def build_customer(settings: Settings, persona: Persona, playbook: Playbook) -> Customer:
    """Cerebras plays the persona when a key is set (and not ``--offline``), the offline driver
    otherwise."""
    from simulator.personas.driver import OfflinePersonaDriver

    if not settings.use_cerebras:
        return OfflinePersonaDriver(persona, playbook)

    from simulator.personas.cerebras_customer import CerebrasCustomer
    from simulator.providers.selection import cerebras_llm

    return CerebrasCustomer(persona, cerebras_llm(settings), owns_model=True)
