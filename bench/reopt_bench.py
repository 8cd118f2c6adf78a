"""Re-optimization benchmark (issue #17; prints figures and a met / not met line per target; not a test).

    .venv/bin/python -u bench/reopt_bench.py [--level solve] [--sizes 200 1000] [--changes 20]
                                             [--reference-every 2 4] [--reference-s 10] [--compare GIT-REF]

Level `solve`: the benchmark shops of `scheduler_bench.py` (200 and 1,000 tasks), each
published by a 10 s `solve`; then single changes of five kinds, in turn (duration +60 min, a
technician off for the afternoon, a parts ETA slip, a rush work order, a dispatcher move),
each applied to the published schedule and re-optimized by `reoptimize` (partial, 2 s
limit, given the published reasons as `explained`, which the pipeline has stored). Beside
every n-th change (`--reference-every`, per size), interleaved in this process on the same
problem: the full re-optimization (`reoptimize(full=True)`, the same
state, `--reference-s`) and today's baseline, a fresh `solve` with the published schedule
as `previous_schedule` (same limit). Rows per change; per size: p50 / p95 time, tasks moved
(median, % of the shop) and the objective against the better reference.

With `--compare`, `reoptimize` as of that commit (its `scheduler/` checked out to a temporary
directory, served by a child process started with `--serve-baseline DIR`) re-optimizes every
change too, interleaved with this tree's (the order alternates), on the same problem.

Targets (200 tasks): median tasks moved <= 5% of the shop; objective within 1% of (or better
than) a full re-solve from the same state. Times are reported against the end-to-end targets
(p95 <= 1 s at 200 tasks, <= 3 s at 1,000), which the pipeline level measures.
Level `pipeline` (bench/reopt_pipeline.py): the same kinds of change end to end through the real
pipeline on Postgres, with the run's phases. Each level is one function taking the parsed arguments (`LEVELS`).
"""
import argparse
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

SERVE = "--serve-baseline"  # child mode: re-optimize with the scheduler package in the given directory
HERE = Path(__file__).resolve().parent.parent
ROOT = Path(sys.argv[sys.argv.index(SERVE) + 1]) if SERVE in sys.argv else HERE
sys.path.insert(0, str(ROOT))

from scheduler import Change, ReoptimizeParameters, SolverParameters, reoptimize, solve  # noqa: E402
from scheduler.generate import generate  # noqa: E402
from scheduler.problem import Assignment, Problem, Task, Window, WorkOrder, hhmm, subtract  # noqa: E402
from reopt_pipeline import pipeline_level  # noqa: E402  (level `pipeline`: its own module, see its docstring)

SHOPS = {200: (12, 8, 2), 1000: (40, 25, 3)}  # tasks: (techs, bays, shop seed), as in scheduler_bench.py
PUBLISH_S = 10
KINDS = ("duration", "time_off", "parts_slip", "rush", "dispatcher_move")


@dataclass
class Case:
    kind: str
    problem: Problem
    changes: list[Change]


def published(size: int) -> tuple[Problem, dict[str, list[str]]]:
    """The benchmark shop with its 10 s schedule as the previous one, and that schedule's reasons."""
    shop = generate(size, *SHOPS[size])
    result = solve(shop, SolverParameters(time_limit_s=PUBLISH_S))
    previous = [Assignment(i.task, i.technician, i.bay, i.start, i.end) for i in result.items]
    return with_(shop, previous=previous), {i.task: i.why for i in result.items}


def with_(shop: Problem, **fields) -> Problem:
    data = {"horizon_start": shop.horizon_start, "horizon": shop.horizon, "technicians": shop.technicians,
            "bays": shop.bays, "work_orders": shop.work_orders, "tasks": shop.tasks, "previous": shop.previous,
            "weights": shop.weights}
    return Problem(**{**data, **fields})


def cases(shop: Problem, count: int, seed: int = 0) -> list[Case]:
    """`count` single changes, the kinds in turn, on tasks and technicians drawn with `seed`."""
    rng = random.Random(seed)
    early = sorted((a for a in shop.previous if a.start < 2 * 1440), key=lambda a: a.start)
    out = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        a = rng.choice(early)
        task = shop.task_by_id[a.task]
        if kind == "duration":
            tasks = [replace(t, duration=t.duration + 60) if t.id == a.task else t for t in shop.tasks]
            out.append(Case(kind, with_(shop, tasks=tasks),
                            [Change(f"'{task.name}' running 60 min over", tasks=frozenset([a.task]))]))
        elif kind == "time_off":
            tech = shop.tech_by_id[a.technician]
            day = a.start // 1440 * 1440
            first = min(w.start for w in shop.available(tech) if w.end > day)
            off = Window(first + 240, first + 480)
            techs = [replace(x, availability=subtract(shop.available(x), [off]), time_off=x.time_off + (off,))
                     if x is tech else x for x in shop.technicians]
            out.append(Case(kind, with_(shop, technicians=techs),
                            [Change(f"{tech.name}'s afternoon off", technicians=frozenset([tech.id]))]))
        elif kind == "parts_slip":
            eta = a.start + rng.choice([120, 240, 480])
            tasks = [replace(t, parts_ready=eta) if t.id == a.task else t for t in shop.tasks]
            out.append(Case(kind, with_(shop, tasks=tasks),
                            [Change(f"parts for '{task.name}' now due {hhmm(shop, eta)}", tasks=frozenset([a.task]))]))
        elif kind == "rush":
            wo = WorkOrder(f"RUSH{i}", due=a.start + 480, priority=5)
            rush = [Task(f"RUSH{i}-1", "Scan codes", wo.id, 60, "diagnostics", "lift"),
                    Task(f"RUSH{i}-2", "Replace sensor", wo.id, 90, "electrical", "lift",
                         predecessors=(f"RUSH{i}-1",)),
                    Task(f"RUSH{i}-3", "Test drive", wo.id, 30, "general", None, predecessors=(f"RUSH{i}-2",))]
            out.append(Case(kind, with_(shop, tasks=shop.tasks + rush, work_orders=shop.work_orders + [wo]),
                            [Change(f"rush work order {wo.id}", work_orders=frozenset([wo.id]))]))
        else:
            others = [x for x in shop.eligible_techs(task) if x.id != a.technician]
            to = rng.choice(others) if others else shop.tech_by_id[a.technician]
            start = a.start + rng.choice([-60, 60, 120])
            lock = replace(task.lock, start=max(0, start), technician=to.id)
            tasks = [replace(t, lock=lock) if t.id == a.task else t for t in shop.tasks]
            out.append(Case(kind, with_(shop, tasks=tasks),
                            [Change(f"dispatcher moved '{task.name}' to {to.name} {hhmm(shop, max(0, start))}",
                                    tasks=frozenset([a.task]))]))
    return out


def moved(previous: list[Assignment], result) -> int:
    """Tasks whose start, technician or bay differs from `previous`, or placed in only one of them."""
    before = {a.task: (a.start, a.technician, a.bay) for a in previous}
    after = {i.task: (i.start, i.technician, i.bay) for i in result.items}
    return sum(1 for t in set(before) | set(after) if before.get(t) != after.get(t))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Baseline:
    """`reoptimize` as of a git commit, in a child process fed pickled problems (see `serve`)."""

    def __init__(self, ref: str):
        self.ref, self.dir = ref, tempfile.TemporaryDirectory(prefix="reopt-baseline-")
        archive = subprocess.run(["git", "-C", str(HERE), "archive", ref, "scheduler"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", self.dir.name], input=archive, check=True)
        self.child = subprocess.Popen([sys.executable, __file__, SERVE, self.dir.name], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE)

    def run(self, problem: Problem, changes: list[Change], time_limit: float) -> dict:
        pickle.dump((problem, changes, time_limit), self.child.stdin)
        self.child.stdin.flush()
        return pickle.load(self.child.stdout)

    def close(self) -> None:
        self.child.stdin.close()
        self.child.wait()
        self.dir.cleanup()


def serve() -> None:
    """The child's loop: (problem, changes, time limit) in, the partial re-optimization's figures out."""
    while True:
        try:
            problem, changes, time_limit = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        r = reoptimize(problem, changes, ReoptimizeParameters(time_limit_s=time_limit))
        pickle.dump({"seconds": r.solve_seconds, "moved": len(r.moves), "objective": r.objective}, sys.stdout.buffer)
        sys.stdout.buffer.flush()


def solve_level(args) -> None:
    baseline = Baseline(args.compare) if args.compare else None
    try:
        _solve_level(args, baseline)
    finally:
        if baseline is not None:
            baseline.close()


def _solve_level(args, baseline: Baseline | None) -> None:
    for size, every in zip(args.sizes, args.reference_every):
        t0 = time.perf_counter()
        shop, explained = published(size)
        print(f"\n{size}-task shop: published {len(shop.previous)} tasks in {time.perf_counter() - t0:.1f} s")
        print(f"  {'#':>2} {'kind':<16} {'time':>6} {'moved':>5} {'hood':>4} {'widened':<8} {'objective':>10} "
              f"{'full':>10} {'moved':>5} {'baseline':>10} {'moved':>5}  vs best ref")
        if baseline is not None:
            print(f"  (each row's second line: {baseline.ref})")
        runs: dict[str, dict[str, list]] = {"this tree": {"times": [], "moves": [], "ratios": []}}
        if baseline is not None:
            runs[baseline.ref] = {"times": [], "moves": [], "ratios": []}
        for i, case in enumerate(cases(shop, args.changes)):
            def ours() -> dict:
                r = reoptimize(case.problem, case.changes, ReoptimizeParameters(time_limit_s=args.time_limit),
                               explained=explained)
                return {"seconds": r.solve_seconds, "moved": len(r.moves), "objective": r.objective,
                        "hood": r.parameters["neighbourhood"], "widened": bool(r.parameters["widened"])}
            theirs = (lambda: baseline.run(case.problem, case.changes, args.time_limit)) if baseline else None
            order = [("this tree", ours)] + ([(baseline.ref, theirs)] if baseline else [])
            figures = dict((name, run()) for name, run in (order if i % 2 == 0 else order[::-1]))
            best = None
            if i % every == 0:
                full = reoptimize(case.problem, case.changes,
                                  ReoptimizeParameters(time_limit_s=args.reference_s, full=True))
                base = solve(case.problem, SolverParameters(time_limit_s=args.reference_s))
                best = min(full.objective, base.objective)
            for name in runs:
                f = figures[name]
                runs[name]["times"].append(f["seconds"])
                runs[name]["moves"].append(f["moved"])
                row = (f"  {i if name == 'this tree' else '':>2} {case.kind if name == 'this tree' else '':<16} "
                       f"{f['seconds']:>5.2f}s {f['moved']:>5} {f.get('hood', ''):>4} {str(f.get('widened', '')):<8} "
                       f"{f['objective']:>10}")
                if best is not None:
                    runs[name]["ratios"].append(f["objective"] / best - 1)
                    refs = (f" {full.objective:>10} {len(full.moves):>5} {base.objective:>10} "
                            f"{moved(case.problem.previous, base):>5}" if name == "this tree" else " " * 34)
                    row += f"{refs}  {runs[name]['ratios'][-1]:+.2%}"
                print(row, flush=True)
        for name, run in runs.items():
            summarize(name, size, run["times"], run["moves"], run["ratios"])


def summarize(name: str, size: int, times: list[float], moves: list[int], ratios: list[float]) -> None:
    median_moved = statistics.median(moves)
    print(f"  {name}: time p50 {percentile(times, 0.5):.2f} s, p95 {percentile(times, 0.95):.2f} s; tasks moved "
          f"median {median_moved:g} ({median_moved / size:.1%} of the shop), max {max(moves)}; objective vs the better "
          f"reference: median {statistics.median(ratios):+.2%}, worst {max(ratios):+.2%} ({len(ratios)} changes)")
    if size == 200:
        print(f"  {name}: target median moved <= 5%: {'met' if median_moved <= 0.05 * size else 'not met'}; "
              f"objective within 1% of a full re-solve: "
              f"{'met' if max(ratios) <= 0.01 else f'not met in {sum(x > 0.01 for x in ratios)} of {len(ratios)}'}")


LEVELS = {"solve": solve_level, "pipeline": pipeline_level}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", choices=[*LEVELS, "all"], default="all")
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000], choices=sorted(SHOPS))
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--reference-every", type=int, nargs="+", default=[2, 4],
                        help="per size: run the references beside every n-th change")
    parser.add_argument("--reference-s", type=float, default=10.0)
    parser.add_argument("--time-limit", type=float, default=2.0, help="the partial re-optimization's limit")
    parser.add_argument("--compare", metavar="GIT-REF", help="re-optimize each change with this commit's too")
    parser.add_argument(SERVE, metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        serve()
        return
    if len(args.reference_every) < len(args.sizes):
        args.reference_every += args.reference_every[-1:] * (len(args.sizes) - len(args.reference_every))
    for name, level in LEVELS.items():
        if args.level in (name, "all"):
            print(f"== level {name}")
            level(args)


if __name__ == "__main__":
    main()
