"""One colour per speaker, shared by the desktop app and the HTML report.

A sales rep who watched a rehearsal in the app recognises the same agents, in the same colours,
in the exported report. Plain hex strings: this module is part of the Qt-free core.
"""

from __future__ import annotations

SPEAKER_COLOURS: dict[str, str] = {
    "customer": "#334155",
    "greeter": "#0f766e",
    "technical": "#4338ca",
    "pricing": "#b45309",
    "rep": "#7e22ce",
}
"""Text-safe colours: each has a contrast ratio above 4.5:1 on white."""

SPEAKER_TINTS: dict[str, str] = {
    "customer": "#f1f5f9",
    "greeter": "#e6f4f2",
    "technical": "#eceefd",
    "pricing": "#fcf1e3",
    "rep": "#f5edfc",
}
"""Pale backgrounds for each speaker's messages."""


def speaker_colour(speaker: str) -> str:
    return SPEAKER_COLOURS.get(speaker, SPEAKER_COLOURS["customer"])


def speaker_tint(speaker: str) -> str:
    return SPEAKER_TINTS.get(speaker, SPEAKER_TINTS["customer"])
