"""`bayflow api` (serve the HTTP API), `bayflow token` (a dev access token) and `bayflow demo`
(embedded Postgres + migrations + demo shop + API, from a clean checkout)."""
import json
import sys
from pathlib import Path

from bayflow.cli import CommandError
from bayflow.config import Settings, settings
from bayflow.paths import SQL
from bayflow.queries import load

QUERIES = load(SQL / "commands.sql")


def register(subparsers) -> None:
    api = subparsers.add_parser("api", help="serve the HTTP API (BAYFLOW_API_HOST/BAYFLOW_API_PORT)")
    api.set_defaults(func=run_api)

    token = subparsers.add_parser("token", help="print an access token for a user (dev issuer, SUPABASE_URL unset)")
    token.add_argument("--email", required=True, help="email of a user in auth.users, e.g. a seeded one")
    token.add_argument("--ttl", type=int, default=3600, help="seconds the token is valid (default 3600)")
    token.set_defaults(func=run_token)

    spec = subparsers.add_parser("openapi", help="write the API's OpenAPI document (the front ends generate their types from it)")
    spec.add_argument("--out", type=Path, help="file to write (default: standard output)")
    spec.set_defaults(func=run_openapi)

    demo = subparsers.add_parser(
        "demo", help="start Postgres (embedded unless DATABASE_URL), load the demo shop, serve the API")
    demo.set_defaults(func=run_demo)


def serve_api(s: Settings) -> None:
    """Serve the API in this process until SIGINT/SIGTERM (uvicorn shuts down gracefully;
    open event streams get a few seconds, then are closed)."""
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=s.bayflow_api_host, port=s.bayflow_api_port,
                log_level="info", proxy_headers=False, timeout_graceful_shutdown=5)


def run_api(args) -> int:
    serve_api(settings())
    return 0


def run_openapi(args) -> int:
    """The document `GET /openapi.json` serves, built without a database connection."""
    from api.app import create_app

    document = json.dumps(create_app(settings()).openapi(), indent=1, sort_keys=True) + "\n"
    if args.out is None:
        sys.stdout.write(document)
    else:
        args.out.write_text(document)
    return 0


def mint_token(email: str, ttl_s: int = 3600, s: Settings | None = None) -> str:
    """A dev-issuer access token for the auth.users row with `email`."""
    from api.dev_issuer import DevIssuer, DevIssuerDisabled
    from bayflow.database import connect

    s = s or settings()
    if ttl_s <= 0:
        raise CommandError("--ttl must be a positive number of seconds")
    try:
        issuer = DevIssuer(s)
    except DevIssuerDisabled as exc:
        raise CommandError(str(exc)) from None
    with connect() as conn:
        user = conn.execute(QUERIES.user_by_email.psycopg, {"email": email}).fetchone()
    if user is None:
        raise CommandError(f"no user with email {email!r} in auth.users (seeded users: `bayflow demo` lists them)")
    return issuer.mint(str(user[0]), user[1], ttl_s)


def run_token(args) -> int:
    print(mint_token(args.email, args.ttl))
    return 0


def prepare_demo_database() -> None:
    """Start/join the database, apply migrations, load the demo shop and, while some of its tasks
    wait for a slot, queue a schedule run (the workers solve it; nothing waits for a first work order)."""
    from bayflow.database import connect, database_url
    from bayflow.migrate import MigrationError, migrate
    from bayflow.seed import load_demo_shop

    database_url()
    with connect() as conn:
        try:
            migrate(conn)
        except MigrationError as exc:
            raise CommandError(str(exc)) from exc
        load_demo_shop(conn)
        if conn.execute(QUERIES.pending_tasks.psycopg).fetchone()[0]:
            from tasks.starts import enqueue_reschedule

            enqueue_reschedule(conn, reason="demo: schedule the demo shop")
        conn.commit()


def check_port_free(host: str, port: int) -> None:
    """CommandError unless `host:port` can be listened on (checked before the demo starts anything)."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is no conflict
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port} ({exc.strerror}): is another bayflow demo or API"
                               " running? Stop it, or choose another port with BAYFLOW_API_PORT") from None


def demo_guide(s: Settings) -> str:
    """What to try next, with a dispatcher's and a technician's token (dev issuer only)."""
    from api.auth import public_url
    from bayflow.database import connect

    base = public_url(s)
    lines = [f"bayflow demo: API on {base}  (OpenAPI docs: {base}/docs)"]
    if s.supabase_url:
        lines.append(f"Tokens come from Supabase Auth at {s.supabase_url}.")
        return "\n".join(lines)
    with connect() as conn:
        users = conn.execute(QUERIES.demo_users.psycopg).fetchall()
    for role, email in users:
        var = f"{role.upper()}_TOKEN"
        lines += ["", f"# as {role} {email}; a fresh token: bayflow token --email {email}",
                  f"{var}={mint_token(email, 8 * 3600, s)}",
                  f'curl -H "Authorization: Bearer ${var}" {base}/v1/tasks']
    lines += ["", "Try next: GET /v1/me, GET /v1/work_orders, POST /v1/work_orders with tasks and depends_on,"
              " PATCH /v1/tasks/{id} with If-Match, GET /v1/audit (dispatcher). Stop with Ctrl-C."]
    return "\n".join(lines)


def run_demo(args) -> int:
    """Workers (`bayflow worker`, a child process on the same database) beside the API, which
    blocks until Ctrl-C; the workers are stopped with it."""
    import subprocess

    s = settings()
    check_port_free(s.bayflow_api_host, s.bayflow_api_port)
    prepare_demo_database()
    print(demo_guide(s), flush=True)
    workers = subprocess.Popen([sys.executable, "-m", "bayflow", "worker"])  # inherits DATABASE_URL, embedded too
    try:
        serve_api(s)
    finally:
        workers.terminate()
        workers.wait()
    print("bayflow demo: stopped", file=sys.stderr)
    return 0
