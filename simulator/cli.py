"""The ``simulator`` command: the desktop app by default, and the terminal faces.

Heavy imports (livekit-agents, chromadb, Qt) happen inside each sub-command so ``--help`` is quick.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simulator",
        description="Rehearse sales conversations with an AI sales team.",
    )
    knowledge = argparse.ArgumentParser(add_help=False)
    knowledge.add_argument(
        "--knowledge", type=Path, metavar="DIR",
        help="folder of the company's sales material (default: the bundled sample company)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    index = sub.add_parser("index", parents=[knowledge], help="build or update the knowledge index")
    index.set_defaults(handler=_index)

    retrieve = sub.add_parser("retrieve", parents=[knowledge], help="show the passages a question retrieves")
    retrieve.add_argument("-k", type=int, default=4, metavar="N", help="passages per query (default 4)")
    retrieve.add_argument("--json", action="store_true", help="one JSON object per result line")
    retrieve.add_argument("--agent", choices=["greeter", "technical", "pricing"],
                          help="retrieve as this agent sees the knowledge (default: everything)")
    retrieve.add_argument("query", nargs="?", metavar="QUERY",
                          help="the question; without it, one question per line from stdin")
    retrieve.set_defaults(handler=_retrieve)

    chat = sub.add_parser("chat", parents=[knowledge], help="talk to the sales team in the terminal")
    chat.add_argument("--offline", action="store_true", help="use the offline responder even with a key")
    chat.add_argument("--jsonl", action="store_true", help="print every event as one JSON line")
    chat.set_defaults(handler=_chat)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        settings = Settings.from_env(
            knowledge_dir=getattr(args, "knowledge", None),
            offline=getattr(args, "offline", None) or None,
        )
    except ValueError as e:
        print(f"simulator: {e}", file=sys.stderr)
        return 2
    return args.handler(args, settings)


def _index(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.knowledge.commands import index_command

    return index_command(settings, out=sys.stdout, err=sys.stderr)


def _retrieve(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.knowledge.commands import retrieve_command

    return retrieve_command(
        settings, query=args.query, k=args.k, as_json=args.json, agent=args.agent,
        stdin=sys.stdin, out=sys.stdout, err=sys.stderr,
    )


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from simulator.terminal import run_chat

    return run_chat(settings, jsonl=args.jsonl, stdin=sys.stdin, out=sys.stdout, err=sys.stderr)
