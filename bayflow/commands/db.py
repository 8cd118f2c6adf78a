"""`bayflow db migrate` and `bayflow db seed`."""
from bayflow.cli import CommandError
from bayflow.database import connect
from bayflow.migrate import MigrationError, migrate


def register(subparsers) -> None:
    db = subparsers.add_parser("db", help="database schema and demo data")
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("migrate", help="apply pending migrations").set_defaults(func=run_migrate)


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
