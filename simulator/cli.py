"""The ``simulator`` command: the desktop app by default, and the terminal faces.

Heavy imports (livekit-agents, chromadb, Qt) happen inside each sub-command so ``--help`` is quick.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

from simulator.settings import Settings, SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simulator",
        description="Rehearse sales conversations with an AI sales team.",
    )
    # With no sub-command, `simulator [--knowledge DIR] [--offline] [--demo] [--voice MODE]` opens
    # the app.
    _add_knowledge_flag(parser, default=None)
    _add_app_flags(parser, default=False)
    # Sub-commands default to SUPPRESS so a flag given before the sub-command is kept.
    knowledge = argparse.ArgumentParser(add_help=False)
    _add_knowledge_flag(knowledge, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    app = sub.add_parser("app", parents=[knowledge], help="open the desktop app (the default)")
    _add_app_flags(app, default=argparse.SUPPRESS)
    app.set_defaults(handler=_app)

    index = sub.add_parser("index", parents=[knowledge], help="build or update the knowledge index")
    index.add_argument(
        "--no-encoder",
        action="store_true",
        help="only the word vectors: skip the contextual encoder (a session fills it later)",
    )
    index.set_defaults(handler=_index)

    retrieve = sub.add_parser(
        "retrieve", parents=[knowledge], help="show the passages a question retrieves"
    )
    retrieve.add_argument(
        "-k", type=int, default=4, metavar="N", help="passages per query (default 4)"
    )
    retrieve.add_argument("--json", action="store_true", help="one JSON object per result line")
    retrieve.add_argument(
        "--agent",
        choices=["greeter", "technical", "pricing"],
        help="retrieve as this agent sees the knowledge (default: everything)",
    )
    retrieve.add_argument(
        "query",
        nargs="?",
        metavar="QUERY",
        help="the question; without it, one question per line from stdin",
    )
    retrieve.set_defaults(handler=_retrieve)

    chat = sub.add_parser(
        "chat", parents=[knowledge], help="talk to the sales team in the terminal"
    )
    chat.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,
        help="use the offline responder even with a key",
    )
    chat.add_argument("--jsonl", action="store_true", help="print every event as one JSON line")
    chat.add_argument(
        "--persona",
        metavar="NAME",
        help="Coach mode: this persona plays the customer (/step, /play, /pause, /whisper TEXT, "
        "/takeover, /handback, /end)",
    )
    _add_personas_flag(chat)
    chat.set_defaults(handler=_chat)

    worker = sub.add_parser(
        "worker",
        parents=[knowledge],
        help="run the sales team as a LiveKit agent worker (needs LIVEKIT_URL, key, secret)",
    )
    worker.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,
        help="use the offline responder even with a key",
    )
    worker.add_argument(
        "--no-check",
        action="store_true",
        help="skip asking the LiveKit server whether it accepts the key before starting",
    )
    _add_personas_flag(worker)
    worker.set_defaults(handler=_worker)

    rehearse = sub.add_parser(
        "rehearse",
        parents=[knowledge],
        help="a persona plays the customer against the team; prints the scorecard",
    )
    chosen = rehearse.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--persona", metavar="NAME", help="the persona (its file name or its name)")
    chosen.add_argument(
        "--all", action="store_true", help="every persona in turn, then a summary table"
    )
    rehearse.add_argument(
        "--turns",
        type=int,
        default=16,
        metavar="N",
        help="at most N customer turns per conversation (default 16)",
    )
    rehearse.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,
        help="offline team and offline customer even with a key",
    )
    rehearse.add_argument("--jsonl", action="store_true", help="print every event as one JSON line")
    rehearse.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="write the HTML report with the scorecard (with --all: a folder)",
    )
    _add_personas_flag(rehearse)
    rehearse.set_defaults(handler=_rehearse)

    practice = sub.add_parser(
        "practice",
        parents=[knowledge],
        help="Rep mode: a persona calls and you sell to it, with the team as your co-pilot",
    )
    practice.add_argument(
        "--persona", metavar="NAME", required=True, help="the customer (its file name or name)"
    )
    practice.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,
        help="offline customer and co-pilot even with a key",
    )
    practice.add_argument("--jsonl", action="store_true", help="print every event as one JSON line")
    practice.add_argument(
        "--report", type=Path, metavar="FILE", help="write the HTML report of the call there"
    )
    _add_personas_flag(practice)
    practice.set_defaults(handler=_practice)
    return parser


def _add_knowledge_flag(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument(
        "--knowledge",
        type=Path,
        metavar="DIR",
        default=default,
        help="folder of the company's sales material (default: the bundled sample company)",
    )


def _add_personas_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--personas",
        type=Path,
        metavar="DIR",
        help="folder of persona files (default: SIMULATOR_PERSONAS, else the bundled personas/)",
    )


def _add_app_flags(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument(
        "--offline",
        action="store_true",
        default=default,
        help="use the offline responder even with a key",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=default,
        help="booth mode: full screen, large type, a fresh conversation after idle time",
    )
    parser.add_argument(
        "--voice",
        choices=["auto", "cartesia", "offline", "off"],
        default=None if default is False else default,
        help="speech: auto (Cartesia with a key, else the offline voice if installed; text "
        "when there is no microphone), cartesia, offline, "
        "or off (default: SIMULATOR_VOICE or auto)",
    )


STOPPED = (130, 141)
"""Exit codes of a run stopped from outside: Ctrl+C or SIGTERM, or a closed output pipe."""


def entry() -> None:
    """The ``simulator`` program: :func:`main`, and out at once when it was stopped from outside
    (the native libraries' clean-up at exit takes seconds, and nothing is left to save)."""
    code = main()
    if code in STOPPED:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _app(args, None)
    try:
        settings = Settings.load(
            flags={
                "knowledge_dir": getattr(args, "knowledge", None),
                "offline": getattr(args, "offline", None) or None,
                "personas_dir": getattr(args, "personas", None),
            }
        )
    except SettingsError as e:
        print(f"simulator: {e}", file=sys.stderr)
        return 2
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    return handler(args, settings)


def _app(args: argparse.Namespace, _settings: Settings | None) -> int:
    # The app merges the user's saved preferences (environment and flags still win) itself.
    from simulator.app.main import AppOptions, run_app

    return run_app(
        AppOptions(
            knowledge_dir=getattr(args, "knowledge", None),
            offline=bool(getattr(args, "offline", False)),
            demo=bool(getattr(args, "demo", False)),
            voice=getattr(args, "voice", None),
            exit_when_closed=True,
        )
    )


def _index(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.knowledge.commands import index_command

    return index_command(settings, out=sys.stdout, err=sys.stderr, contextual=not args.no_encoder)


def _retrieve(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.knowledge.commands import retrieve_command

    return retrieve_command(
        settings,
        query=args.query,
        k=args.k,
        as_json=args.json,
        agent=args.agent,
        stdin=sys.stdin,
        out=sys.stdout,
        err=sys.stderr,
    )


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.worker import run_worker

    return run_worker(settings, check=not args.no_check)


def _rehearse(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.rehearse import RehearseOptions, run_rehearse

    options = RehearseOptions(
        persona=args.persona,
        all_personas=args.all,
        turns=args.turns,
        jsonl=args.jsonl,
        report=args.report,
    )
    return run_rehearse(settings, options, out=sys.stdout, err=sys.stderr)


def _practice(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.terminal import run_chat

    return run_chat(
        settings,
        jsonl=args.jsonl,
        persona=args.persona,
        practice=True,
        report=args.report,
        stdin=sys.stdin,
        out=sys.stdout,
        err=sys.stderr,
    )


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.terminal import run_chat

    return run_chat(
        settings,
        jsonl=args.jsonl,
        persona=args.persona,
        stdin=sys.stdin,
        out=sys.stdout,
        err=sys.stderr,
    )
