"""The customer script and the fake model that answers it, shared by every benchmark run.

The fake model plays gpt-oss reading its own prompt, as a real model would: it finds out which
team member it is from the system prompt, routes a question that belongs to a colleague with the
transfer tool, calls ``check_stock`` for a stock question and answers from the tool's output, and
otherwise answers in two sentences. It also plays the workshop notebook's model: it recognises
that design's prompts and its ``switch_to_*`` tools, greets when asked for a greeting, and says the
transfer out loud when a tool asks it to confirm one. A prompt larger than the model's context
window is refused with the 400 error Cerebras sends. Nothing here measures anything: the servers in
:mod:`bench.providers` time the replies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tests.fakes.cerebras_server import Fault, Reply, ToolCall

CONTEXT_WINDOW_TOKENS = 131_072
"""gpt-oss-120b's context window on Cerebras (128k tokens)."""
FACT = "forty freezers"
"""A fact the customer tells the Greeter in the first line; the specialists should still know it."""

SCRIPT: tuple[str, ...] = (
    f"Hi, I'm Dana from Northbay Foods. We run {FACT} across three warehouses.",
    "Do your sensors work inside a minus eighty degree freezer?",
    "How long does the battery last in the cold?",
    "Can it send alarms to our SAP system?",
    "What would the Professional plan cost us per month?",
    "Is there a discount if we sign for three years?",
    "Do you have the CT-200 in stock right now?",
    "Thanks, that is all I needed today.",
)
"""One conversation: a greeting with a fact, a technical thread, a pricing thread with a stock
look-up, and a goodbye (two handoffs: Greeter to Technical, Technical to Pricing)."""

_TECHNICAL = ("degree freezer", "battery", "sap", "integrat", "install", "secur")
_PRICING = ("cost", "price", "plan", "discount", "contract", "quote", "stock")
_ANSWERS = {
    "degree freezer": "Yes, the CT-200 is built for minus eighty degree "
    "freezers with a flat probe under the door "
    "seal. It reads down to minus one hundred degrees at the probe.",
    "battery": "The CT-200 runs up to four years on its two lithium cells at the default interval. "
    "You get a low-battery warning about sixty days ahead.",
    "sap": "Yes, alarms and readings reach SAP through our "
    "integration or a webhook. Setup takes about "
    "a day with your SAP team.",
    "plan": "The Professional plan is eleven dollars per sensor per month on an annual agreement. "
    "Gateways carry no subscription fee.",
    "discount": "A three-year agreement takes ten percent off the subscription. Prepaying the "
    "first year adds another small discount.",
    "stock": "We have the CT-200 in stock in Denver right now, so it ships this week.",
    "thanks": "Thank you, it was a pleasure. I will send a summary by email today.",
    "hello": "Welcome to Lumora! Happy to help you protect "
    "those freezers. What would you like to know?",
}
ROLE_MARKERS = {
    "You are the Greeter": "greeter",
    "You are the Technical Specialist": "technical",
    "You are the Pricing Specialist": "pricing",
    "You are a sales agent": "greeter",  # the workshop notebook's three prompts
    "You are a technical specialist": "technical",
    "You are a pricing specialist": "pricing",
}
"""How the fake model (and the server's record) tells which agent a system prompt belongs to."""
_TRANSFER_TOOLS = {
    "technical": ("transfer_to_technical", "switch_to_tech_support", "switch_to_technical"),
    "pricing": ("transfer_to_pricing", "switch_to_pricing"),
}
_NAMES = {
    "technical": "Technical Specialist",
    "pricing": "Pricing Specialist",
    "greeter": "Greeter",
}


def prompt_tokens(messages: list[Mapping[str, Any]]) -> int:
    """Prompt size as the local server counts it (characters / 4, message contents)."""
    chars = 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            chars += sum(
                len(str(part.get("text", ""))) for part in content if isinstance(part, Mapping)
            )
        for call in message.get("tool_calls") or []:
            chars += len(str(call.get("function", {}).get("arguments", "")))
    return -(-chars // 4)


def sales_team_model(body: Mapping[str, Any]) -> Reply:
    """The fake gpt-oss: one reply to one chat-completions request body."""
    messages = list(body.get("messages") or [])
    if prompt_tokens(messages) > CONTEXT_WINDOW_TOKENS:
        return Reply(
            fault=Fault.status(
                400,
                message=(
                    f"Please reduce the length of the messages or completion: the prompt has "
                    f"{prompt_tokens(messages)} tokens, the "
                    f"context window is {CONTEXT_WINDOW_TOKENS}."
                ),
            )
        )
    system = str(messages[0].get("content", "")) if messages else ""
    role = role_of(system) or "greeter"
    tools = {t.get("function", {}).get("name") for t in body.get("tools") or []}
    users = [m for m in messages if m.get("role") == "user"]
    conversation = [m for m in messages if m.get("role") != "system"]
    if conversation and conversation[-1].get("role") == "tool":
        return Reply(text=_ANSWERS["stock"])
    if not users:
        return Reply(text=f"Hi, I'm the {_NAMES[role]}. How can I help you today?")
    last = str(users[-1].get("content", "")).lower()
    if last.startswith("give a short"):  # the workshop's greeting request
        return Reply(text=_ANSWERS["hello"])
    if last.startswith("confirm you are transferring"):  # the workshop's transfer confirmation
        return Reply(text=f"Of course, I am transferring you to {last.split(' to ', 1)[1]} now.")
    wanted = _topic_owner(last)
    offered = [t for t in _TRANSFER_TOOLS.get(wanted or "", ()) if t in tools]
    if wanted is not None and wanted != role and offered:
        if offered[0].startswith("transfer_to_"):
            return Reply(
                tool_calls=[ToolCall(offered[0], {"reason": "the customer asked: " + last[:60]})]
            )
        return Reply(tool_calls=[ToolCall(offered[0], {})])
    if "stock" in last and "check_stock" in tools:
        product = re.search(r"ct-\d+", last)
        return Reply(
            tool_calls=[
                ToolCall("check_stock", {"product": product.group(0).upper() if product else last})
            ]
        )
    answer = next((text for key, text in _ANSWERS.items() if key in last), _ANSWERS["hello"])
    if role != "greeter" and FACT in " ".join(str(m.get("content", "")) for m in users).lower():
        answer = f"For your {FACT}: {answer}"
    return Reply(text=answer)


def role_of(system_prompt: str) -> str | None:
    """The agent role a system prompt belongs to (either design), or ``None``."""
    return next((r for marker, r in ROLE_MARKERS.items() if marker in system_prompt), None)


def _topic_owner(text: str) -> str | None:
    if any(cue in text for cue in _PRICING):
        return "pricing"
    if any(cue in text for cue in _TECHNICAL):
        return "technical"
    return None
