"""The team's function tools: handoffs between agents and look-ups in the structured sales data.

The model reads each docstring to decide when to call a tool, so they say when, not how.
"""

from __future__ import annotations

from typing import cast

from livekit.agents import Agent, RunContext, function_tool

from simulator.events import AgentRole, HandoffEvent, ToolCallEvent
from simulator.team.context import TeamContext, TeamMember
from simulator.team.passages import escape_tool_output


def _member(context: RunContext[TeamContext]) -> TeamMember:
    """The agent running the tool (every agent of the session is a team member)."""
    return cast(TeamMember, context.session.current_agent)


def _handoff(context: RunContext[TeamContext], to_role: AgentRole, reason: str) -> Agent:
    current = _member(context)
    team = context.userdata
    team.emit(
        HandoffEvent(turn_id=team.turn_id, from_agent=current.role, to_agent=to_role, reason=reason)
    )
    # Returning the agent alone (no tool output) means the current agent says nothing more:
    # no "let me transfer you" turn, the specialist answers at once.
    return current.colleague(to_role)


@function_tool
async def transfer_to_technical(context: RunContext[TeamContext], reason: str) -> Agent:
    """Hand the customer to the Technical Specialist, who answers questions about how the
    product works: its features, specifications, hardware and devices, installation and setup,
    integrations and APIs, data and hosting, reliability, security, privacy, compliance and
    support.

    Args:
        reason: The topic the customer needs help with, in a few words (for example
            "battery life in deep freezers"), shown to the user as why; never their question
            repeated.
    """
    return _handoff(context, "technical", reason)


@function_tool
async def transfer_to_pricing(context: RunContext[TeamContext], reason: str) -> Agent:
    """Hand the customer to the Pricing Specialist, who answers questions about money and the
    deal: plans and tiers, prices, fees and charges, discounts, trials and pilots, quotes,
    billing and payment, contract terms, renewal and cancellation, budgets, orders and an
    account's purchase history.

    Args:
        reason: The topic the customer needs help with, in a few words (for example
            "battery life in deep freezers"), shown to the user as why; never their question
            repeated.
    """
    return _handoff(context, "pricing", reason)


@function_tool
async def transfer_to_greeter(context: RunContext[TeamContext], reason: str) -> Agent:
    """Hand the customer back to the Greeter, who welcomes customers and answers questions about
    the company itself (who it is, what it does, its history, founders, offices, people,
    customers and case studies), when they want something neither specialist covers.

    Args:
        reason: The topic the customer wants now, in a few words; never their question
            repeated.
    """
    return _handoff(context, "greeter", reason)


TRANSFERS: dict[object, AgentRole] = {
    transfer_to_technical: "technical",
    transfer_to_pricing: "pricing",
    transfer_to_greeter: "greeter",
}
"""Each handoff tool and the role it hands the customer to."""


@function_tool
async def check_stock(context: RunContext[TeamContext], product: str) -> str:
    """Look up how many units of a product are in stock, where, and when more arrive.

    Args:
        product: The product's name or SKU, as the customer said it.
    """
    return _record_tool(
        context,
        "check_stock",
        {"product": product},
        str(context.userdata.records.stock_level(product)),
    )


@function_tool
async def purchase_history(context: RunContext[TeamContext], account: str) -> str:
    """Look up what an existing customer account has bought, when, and at what price.

    Args:
        account: The customer's company name or account id.
    """
    return _record_tool(
        context,
        "purchase_history",
        {"account": account},
        str(context.userdata.records.purchase_history(account)),
    )


@function_tool
async def recommend_products(context: RunContext[TeamContext], account: str) -> str:
    """Recommend products for an existing account, based on its purchase history and stock.

    Args:
        account: The customer's company name or account id.
    """
    return _record_tool(
        context,
        "recommend_products",
        {"account": account},
        str(context.userdata.records.recommend(account)),
    )


def _record_tool(
    context: RunContext[TeamContext], name: str, arguments: dict[str, str], output: str
) -> str:
    team = context.userdata
    agent = _member(context)
    team.emit(
        ToolCallEvent(
            turn_id=team.turn_id, agent=agent.role, name=name, arguments=arguments, output=output
        )
    )
    team.tool_results[context.function_call.call_id] = output
    # Table values are data, as passages are: a CSV cell cannot forge a tag for the model.
    return escape_tool_output(output)
