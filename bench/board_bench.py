"""Dispatcher board benchmark (prints figures and a met / not met line; not a test).

    .venv/bin/python bench/board_bench.py                      # needs `make web` (board/out) and /usr/bin/chromium
    .venv/bin/python bench/board_bench.py --baseline DIR       # and another build of the board beside it

With `--baseline`, the build in DIR (e.g. `board/out` of another commit) and this one are measured
against the same API and data, alternately, ROUNDS times each (interleaved, so that the machine's
drifting speed falls on both).

Two shops on the demo shop's people, each in a scratch database served by a real `bayflow api`
and drawn by the built board in Debian's Chromium (`bench/board_bench.mjs`, playwright-core):
the baseline of 100 placed tasks over the coming week, then 1,000, in the same process. For
each: first render (navigation to the first drawn blocks, and to every block of the week's
view drawn; the board API's own response time beside it; the main thread's long tasks until
then, the render's own work, steadier than wall time on a shared machine) and a 3 s drag of a block
across rows with the what-if answering under the cursor (frames per second from
requestAnimationFrame, and the longest frame).

Targets on the 1,000-task shop: first render <= 3 s; drag >= 30 frames per second.

Uses DATABASE_URL's server (else the embedded Postgres); the scratch databases are dropped.
"""
import argparse
import json
import statistics
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
ROUNDS = 5  # per build when comparing with a baseline

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


def measure(tasks: int, builds: dict[str, Path], rounds: int) -> dict[str, list[dict]]:
    """Figures of each build on one shop of `tasks` placed tasks: `rounds` runs each, alternating."""
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
        results: dict[str, list[dict]] = {name: [] for name in builds}
        for _ in range(rounds):
            for name, out in builds.items():
                results[name].append(draw(stack.base, out))
        return results
    finally:
        if stack is not None:
            stack.stop()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def draw(base: str, out: Path) -> dict:
    """One run of board_bench.mjs: the build in `out` against the API at `base`."""
    done = subprocess.run(["node", str(ROOT / "bench" / "board_bench.mjs")], cwd=ROOT / "board",
                          env={"PATH": "/usr/bin:/bin:/usr/local/bin", "BASE_URL": base, "CHROMIUM": CHROMIUM,
                               "BOARD_OUT": str(out)},
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"board_bench.mjs failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path,
                        help="another build of the board (a board/out) to measure beside this one")
    args = parser.parse_args()
    builds = {"this build": ROOT / "board" / "out"}
    if args.baseline:
        builds = {"baseline": args.baseline, **builds}
    for name, out in builds.items():
        if not (out / "index.html").is_file():
            raise SystemExit(f"{out} holds no board build ({name}): run `make web` first")
    rounds = ROUNDS if args.baseline else 1
    results = {tasks: measure(tasks, builds, rounds) for tasks in SHOPS}
    for tasks, by_build in results.items():
        role = "baseline shop" if tasks == SHOPS[0] else "target shop"
        print(f"\n{tasks} placed tasks ({by_build['this build'][0]['blocks']} drawn in the week view) [{role}]")
        for name, runs in by_build.items():
            med = {k: statistics.median(r[k] for r in runs)
                   for k in ("first_ms", "all_ms", "busy_ms", "board_api_ms", "fps", "max_frame_ms")}
            each = ", ".join(f"{r['all_ms']:.0f}/{r['busy_ms']:.0f}" for r in runs)
            print(f"  {name} (median of {len(runs)}; every block / long tasks per run: {each} ms)")
            print(f"    first render: first blocks {med['first_ms']:6.0f} ms, every block {med['all_ms']:6.0f} ms "
                  f"(of which GET /v1/board {med['board_api_ms']:.0f} ms; "
                  f"main thread in long tasks {med['busy_ms']:.0f} ms)")
            print(f"    drag: {med['fps']:5.1f} frames/s, longest frame {med['max_frame_ms']:.0f} ms")
    big = results[SHOPS[-1]]["this build"]
    render, fps = statistics.median(r["all_ms"] for r in big), statistics.median(r["fps"] for r in big)
    print(f"\n  target first render <= {TARGET_RENDER_MS} ms: {'met' if render <= TARGET_RENDER_MS else 'NOT met'}")
    print(f"  target drag >= {TARGET_FPS} frames/s: {'met' if fps >= TARGET_FPS else 'NOT met'}")


if __name__ == "__main__":
    main()
