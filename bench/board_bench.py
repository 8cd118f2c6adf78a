"""Dispatcher board benchmark (prints figures and a met / not met line; not a test).

    .venv/bin/python bench/board_bench.py        # needs `make web` (board/out) and /usr/bin/chromium

Two shops on the demo shop's people, each in a scratch database served by a real `bayflow api`
and drawn by the built board in Debian's Chromium (`bench/board_bench.mjs`, playwright-core):
the baseline of 100 placed tasks over the coming week, then 1,000, in the same process. For
each: first render (navigation to the first drawn blocks, and to every block of the week's
view drawn; the board API's own response time beside it) and a 3 s drag of a block across rows with the what-if answering under the cursor
(frames per second from requestAnimationFrame, and the longest frame).

Targets on the 1,000-task shop: first render <= 3 s; drag >= 30 frames per second.

Uses DATABASE_URL's server (else the embedded Postgres); the scratch databases are dropped.
"""
import json
import subprocess
import sys
import tempfile
import uuid
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bayflow.database import database_url, with_database  # noqa: E402
from bayflow.migrate import migrate  # noqa: E402
from bayflow.seed import load_demo_shop  # noqa: E402
from tests.support.web import CHROMIUM, WebStack  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHOPS = (100, 1000)  # placed tasks: the baseline, then the target
TARGET_RENDER_MS, TARGET_FPS = 3000, 30

TECHNICIANS = 40  # the demo shop's 8 and bench technicians: 1,000 tasks are 5 a day each
SLOT_MIN, PER_DAY = 100, 5  # a task of 30-90 minutes every 100 minutes from 07:00, five days from tomorrow


def place(conn, count: int) -> None:
    """`count` tasks placed back to back on the technicians over the coming days, five per work order."""
    zone = ZoneInfo(conn.execute("select timezone from public.shop_settings").fetchone()[0])
    conn.execute("insert into public.technicians (name, skills) select 'Bench tech ' || g, '{general}'"
                 " from generate_series(1, %s - (select count(*) from public.technicians)) g", (TECHNICIANS,))
    techs = [r[0] for r in conn.execute("select id from public.technicians order by name")]
    day = datetime.now(zone).date() + timedelta(days=1)
    orders = [r[0] for r in conn.execute(
        "insert into public.work_orders (description, status, priority, due_at)"
        " select 'bench work order ' || g, 'scheduled', 1 + g %% 5, now() + interval '8 days'"
        " from generate_series(1, %s) g returning id", ((count + 4) // 5,))]
    rows = []
    for g in range(count):
        tech, nth = techs[g % len(techs)], g // len(techs)
        start = datetime.combine(day + timedelta(days=nth // PER_DAY), time(7), zone) + timedelta(minutes=SLOT_MIN * (nth % PER_DAY))
        minutes = 30 + (g * 37) % 61
        rows.append((orders[g // 5], g % 5, f"Bench task {g}", minutes, tech, start, start + timedelta(minutes=minutes)))
    with conn.cursor() as cur:
        cur.executemany("insert into public.tasks (work_order_id, position, name, duration_minutes, status,"
                        " assigned_technician_id, planned_start, planned_end)"
                        " values (%s, %s, %s, %s, 'scheduled', %s, %s, %s)", rows)


def measure(tasks: int) -> dict:
    admin = database_url()
    name = f"bayflow_board_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = with_database(admin, name)
    stack = None
    try:
        with psycopg.connect(url) as conn:
            migrate(conn)
            load_demo_shop(conn)
            conn.execute("update public.tasks set planned_start = null, planned_end = null,"
                         " assigned_technician_id = null where status = 'pending'")
            place(conn, tasks)
        stack = WebStack(url, Path(tempfile.mkdtemp(prefix="bfboard"))).start()
        done = subprocess.run(["node", str(ROOT / "bench" / "board_bench.mjs")], cwd=ROOT / "board",
                              env={"PATH": "/usr/bin:/bin:/usr/local/bin", "BASE_URL": stack.base, "CHROMIUM": CHROMIUM},
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise SystemExit(f"board_bench.mjs failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if stack is not None:
            stack.stop()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def main() -> None:
    if not (ROOT / "board" / "out").is_dir():
        raise SystemExit("board/out is missing: run `make web` first")
    results = {tasks: measure(tasks) for tasks in SHOPS}
    for tasks, r in results.items():
        role = "baseline" if tasks == SHOPS[0] else "target"
        print(f"\n{tasks} placed tasks ({r['blocks']} drawn in the week view) [{role}]")
        print(f"  first render: first blocks {r['first_ms']:6.0f} ms, every block {r['all_ms']:6.0f} ms "
              f"(of which GET /v1/board {r['board_api_ms']:.0f} ms)")
        print(f"  drag: {r['fps']:5.1f} frames/s over {r['drag_ms']:.0f} ms, longest frame {r['max_frame_ms']:.0f} ms, "
              f"{r['what_ifs']} what-if answers")
    big = results[SHOPS[-1]]
    print(f"\n  target first render <= {TARGET_RENDER_MS} ms: {'met' if big['all_ms'] <= TARGET_RENDER_MS else 'NOT met'}")
    print(f"  target drag >= {TARGET_FPS} frames/s: {'met' if big['fps'] >= TARGET_FPS else 'NOT met'}")


if __name__ == "__main__":
    main()
