"""Who plays a persona: the offline driver, or an LLM on Cerebras when a key is set.

Kept apart from :mod:`simulator.personas.customer` (the seam both players implement), so the
players import the seam and nothing imports back.
"""

from __future__ import annotations

from simulator.personas.customer import Customer
from simulator.personas.model import Persona
from simulator.personas.playbook import Playbook
from simulator.settings import Settings, secret


def build_customer(settings: Settings, persona: Persona, playbook: Playbook) -> Customer:
    """Cerebras plays the persona when a key is set (and not ``--offline``), the offline driver otherwise."""
    from simulator.personas.driver import OfflinePersonaDriver

    if not settings.use_cerebras:
        return OfflinePersonaDriver(persona, playbook)

    from simulator.personas.cerebras_customer import CerebrasCustomer
    from simulator.providers.cerebras import CerebrasLLM

    model = CerebrasLLM(
        model=settings.cerebras_model,
        api_key=secret(settings.cerebras_api_key),
        base_url=settings.cerebras_base_url,
        timeout_s=settings.cerebras_timeout_s,
        max_retries=settings.cerebras_max_retries,
    )
    return CerebrasCustomer(persona, model, owns_model=True)
