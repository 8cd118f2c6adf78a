"""The dispatcher board's browser tests (`board/e2e/*.test.mjs`) in Debian's Chromium against a real
bayflow on the demo shop: sign-in, drag-drop moves with what-if and locks, refusals, live updates
between two dispatchers, plan review from the queue, the explain panel and the ops page."""
import psycopg

from tests.support.web import run_browser_tests

# A failed job on a queue no worker consumes: retried from the ops page, it stays queued.
FAILED_JOB = """insert into public.job_queue (message_id, queue, actor, message, status, attempts, max_attempts,
  last_error, finished_at)
values (gen_random_uuid(), 'board_e2e', 'board_e2e_probe', '{"args": [], "kwargs": {}}', 'failed', 3, 3,
  'RuntimeError: probe failed for the board test', now())
returning id"""


def test_board_in_chromium(web_stack):
    with psycopg.connect(web_stack.db_url) as conn:
        job_id = conn.execute(FAILED_JOB).fetchone()[0]
    output = run_browser_tests("board", web_stack, failed_job_id=job_id)
    assert "# fail 0" in output, output
