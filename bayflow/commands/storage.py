"""`bayflow storage sweep`: remove the stored files of deleted attachments (run it from cron or
after deleting work orders; the API removes a single deleted attachment's files at once)."""


def register(subparsers) -> None:
    parser = subparsers.add_parser("storage", help="attachment storage (BAYFLOW_STORAGE_URL or BAYFLOW_HOME)")
    commands = parser.add_subparsers(dest="storage_command", required=True, metavar="COMMAND")
    sweep = commands.add_parser("sweep", help="remove the stored files of deleted attachments")
    sweep.set_defaults(func=run_sweep)


def run_sweep(args) -> int:
    from bayflow.config import settings
    from bayflow.database import connect
    from bayflow.storage import open_storage
    from bayflow.storage_sweep import sweep

    with connect() as conn:
        removed = sweep(conn, open_storage(settings()))
    print(f"removed {removed} stored objects of deleted attachments")
    return 0
