"""The `bayflow` command: each command group lives in its own module under `bayflow.commands`."""
import argparse
import importlib
import sys

# Command modules; each has `register(subparsers)` and sets `func(args) -> int` on its parsers.
COMMAND_MODULES = [
    "bayflow.commands.db",
    "bayflow.commands.api",
    "bayflow.commands.solve",
    "bayflow.commands.llm",
    "bayflow.commands.worker",
    "bayflow.commands.imports",
    "bayflow.commands.storage",
]


class CommandError(Exception):
    """A user-facing failure: printed as `bayflow: <message>` with exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bayflow", description="Scheduling backbone for repair shops.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except CommandError as exc:
        print(f"bayflow: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
