"""The dispatcher board's browser tests (`board/e2e/*.test.mjs`) in Debian's Chromium against a real
bayflow: on the demo shop with the dev issuer, sign-in, drag-drop moves with what-if and locks,
refusals, live updates between two dispatchers, the keyboard (blocks, explain, moves) and text
contrast, plan review from the queue (the plan scheduled and drawn, also on a board opened just
after the shop's midnight), the explain panel and the ops page; with SUPABASE_URL set, sign-in
through supabase-js against a fake Supabase Auth. And the board's date math (`board/unit/`)."""
import json
import os
import subprocess
import time
import uuid

import psycopg
import pytest

from bayflow.paths import ROOT
from bayflow.seed import load_demo_shop
from tests.support.servers import LocalServer, QuietHandler
from tests.support.supabase import JWKS_PATH, FakeSupabaseAuth
from tests.support.web import WebStack, run_browser_tests

# A failed job on a queue no worker consumes: retried from the ops page, it stays queued.
FAILED_JOB = """insert into public.job_queue (message_id, queue, actor, message, status, attempts, max_attempts,
  last_error, finished_at)
values (gen_random_uuid(), 'board_e2e', 'board_e2e_probe', '{"args": [], "kwargs": {}}', 'failed', 3, 3,
  'RuntimeError: probe failed for the board test', now())
returning id"""

PASSWORD = "correct horse battery staple"


def test_board_date_math():
    """`board/unit/*.test.mjs` (the board's day and week spans on the shop's clock), with the runner in
    a zone far from the demo shop's, as a dispatcher's browser may be."""
    done = subprocess.run(["node", "--test", "unit/"], cwd=ROOT / "board", env={**os.environ, "TZ": "Pacific/Auckland"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "# fail 0" in done.stdout, done.stdout + done.stderr


def test_board_in_chromium(web_stack):
    with psycopg.connect(web_stack.db_url) as conn:
        job_id = conn.execute(FAILED_JOB).fetchone()[0]
    output = run_browser_tests("board", web_stack, "board.test.mjs", failed_job_id=job_id)
    assert "# fail 0" in output, output


class FakeSupabaseSignIn(FakeSupabaseAuth):
    """Supabase Auth's JWKS and its password grant (`POST /auth/v1/token?grant_type=password`), for
    the users of `profiles` (email -> id), with CORS as the browser needs it (another origin)."""

    def __init__(self, users: dict[str, uuid.UUID]):
        super().__init__()
        self.users = users
        self.grants: list[str] = []

    def password_grant(self, body: dict) -> tuple[int, dict]:
        user = self.users.get(str(body.get("email", "")).lower())
        self.grants.append(str(body.get("email")))
        if user is None or body.get("password") != PASSWORD:
            return 400, {"error": "invalid_grant", "error_description": "Invalid login credentials"}
        token = self.token(user, email=body["email"])
        now = int(time.time())
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": 600, "expires_at": now + 600,
                     "refresh_token": uuid.uuid4().hex,
                     "user": {"id": str(user), "aud": "authenticated", "role": "authenticated", "email": body["email"],
                              "app_metadata": {}, "user_metadata": {}, "created_at": "2026-01-01T00:00:00Z"}}


@pytest.fixture
def supabase_stack(new_database, tmp_path):
    db_url = new_database()
    with psycopg.connect(db_url) as conn:
        load_demo_shop(conn)
        users = {email: uid for uid, email in conn.execute(
            "select p.id, u.email from public.profiles p join auth.users u on u.id = p.id")}
    auth = FakeSupabaseSignIn(users)

    class Handler(QuietHandler):
        def _send(self, status: int, body: dict | None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Headers", "*")
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_OPTIONS(self):
            self._send(204, None)

        def do_GET(self):
            if self.path != JWKS_PATH:
                return self._send(404, {"error": "not_found"})
            self._send(200, auth.jwks())

        def do_POST(self):
            if not self.path.startswith("/auth/v1/token?grant_type=password"):
                return self._send(404, {"error": "not_found"})
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            self._send(*auth.password_grant(body))

    with LocalServer(Handler) as server:
        auth.url = server.url
        stack = WebStack(db_url, tmp_path, supabase_url=server.url, supabase_anon_key="public-anon-key").start()
        yield stack, auth
        stack.stop()


def test_supabase_sign_in_in_chromium(supabase_stack):
    stack, auth = supabase_stack
    output = run_browser_tests("board", stack, "supabase.test.mjs", password=PASSWORD)
    assert "# fail 0" in output, output
    assert auth.grants == ["dispatch1@demo.bayflow.dev", "dispatch1@demo.bayflow.dev", "ana@demo.bayflow.dev"]
