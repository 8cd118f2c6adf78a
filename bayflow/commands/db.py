"""`bayflow db migrate` and `bayflow db seed`."""
from pathlib import Path

import psycopg

from bayflow.cli import CommandError
from bayflow.database import connect
from bayflow.migrate import MigrationError, migrate
from bayflow.seed import DEMO_SHOP, SeedError, load_seed


def register(subparsers) -> None:
    db = subparsers.add_parser("db", help="database schema and demo data")
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("migrate", help="apply pending migrations").set_defaults(func=run_migrate)
    seed = actions.add_parser("seed", help="load the demo shop (idempotent: upserts by fixed ids)")
    seed.add_argument("--file", type=Path, default=DEMO_SHOP, help="seed file (default: %(default)s)")
    seed.set_defaults(func=run_seed)


def run_migrate(args) -> int:
    with connect() as conn:
        try:
            applied = migrate(conn)
        except MigrationError as exc:
            raise CommandError(str(exc)) from exc
    if applied:
        for m in applied:
            print(f"applied {m.version}_{m.name}")
    else:
        print("database is up to date")
    return 0


def run_seed(args) -> int:
    with connect() as conn:
        try:
            counts = load_seed(conn, args.file)
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        except psycopg.Error as exc:
            raise CommandError(f"{args.file.name} was not loaded (nothing written): {exc}".strip()) from exc
    print(f"loaded {args.file.name}: " + ", ".join(f"{n} {table}" for table, n in counts.items()))
    return 0
