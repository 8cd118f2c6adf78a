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


# Postgres errors of a database without bayflow's schema: no schema, table or function.
_UNMIGRATED = ("3F000", "42P01", "42883")


def _unmigrated(exc: Exception) -> bool:
    return type(exc).__module__.startswith("psycopg") and getattr(exc, "sqlstate", None) in _UNMIGRATED


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
    except Exception as exc:
        if not _unmigrated(exc):
            raise
        first_line = str(exc).strip().splitlines()[0]
        print(f"bayflow: the database has no bayflow schema yet ({first_line}): run `bayflow db migrate`"
              " (and `bayflow db seed` for the demo shop) first", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
