"""Scheduler benchmark (prints figures and a met / not met line per target; not a test).

    .venv/bin/python bench/scheduler_bench.py [--seeds 0 1 2 3 4 5] [--old 85f1b66] [--skip-old]

Generated shops (fixed shop seeds, num_workers=2), each solved by `solve()` at several time
limits and solver seeds; where `--old` names a commit, the solver of that commit runs
interleaved with today's on the same scenario (checked out into a temporary directory and
run by `bayflow solve`'s code in a child process, one run at a time), so both see the same
machine. Rows: status, the time to the first schedule, objective, placed tasks and minutes,
the source of the published schedule, wall time.

Targets:
- overloaded shops (1,000 tasks at 120%, 150% and 200% of the technicians' minutes): a first
  schedule within 2 s; it places at least the greedy (EDD) schedule's work; the minutes placed
  at 5 s are within 2% of the best run's;
- the 200-task shop: at 5 s within 3% of the best schedule found in this benchmark (all runs,
  old and new, and a 60 s run), for every solver seed;
- the 1,000-task shop: at 5 s better than the old solver at 10 s.
The 50-task proof within 1 s and 200 tasks within 2% of the 60 s run after 5 s are reported.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler import SolverParameters, solve  # noqa: E402
from scheduler.diagnose import diagnose  # noqa: E402
from scheduler.generate import generate, overloaded  # noqa: E402
from scheduler.greedy import greedy_schedule  # noqa: E402
from scheduler.objective import evaluate, total  # noqa: E402
from scheduler.scenario import to_dict  # noqa: E402

SHOPS = {50: (6, 4, 1), 200: (12, 8, 2), 1000: (40, 25, 3)}  # tasks: (techs, bays, shop seed)
LOADS = (1.2, 1.5, 2.0)
REFERENCE_S = 60
OLD_COMMIT = "85f1b66"  # the solver before issue #16

# Runs the old commit's solver on a scenario file and prints what the rows need, as JSON.
OLD_RUNNER = """
import json, sys, time
from scheduler import SolverParameters, solve
from scheduler.scenario import load_file
problem = load_file(sys.argv[1])
r = solve(problem, SolverParameters(time_limit_s=float(sys.argv[2]), num_workers=2, random_seed=int(sys.argv[3])))
import scheduler
assert not hasattr(scheduler, "local_search"), "the old solver must not see today's package"
print(json.dumps({"status": r.status, "objective": r.objective, "first": r.first_solution_seconds,
                  "wall": r.solve_seconds, "source": r.parameters.get("source", "cp_sat"),
                  "placed": [i.task for i in r.items]}))
"""


class Run:
    def __init__(self, label, status, objective, first, wall, source, placed, minutes):
        self.label, self.status, self.objective, self.first = label, status, objective, first
        self.wall, self.source, self.placed, self.minutes = wall, source, placed, minutes

    def row(self) -> str:
        first = f"{self.first:.2f}s" if self.first is not None else "-"
        return (f"  {self.label:>12} {self.status:>9} {first:>7} {str(self.objective):>11} {self.placed:>6} "
                f"{self.minutes:>8} {self.source:>13} {self.wall:>6.2f}s")


def new_run(problem, limit: float, seed: int) -> Run:
    r = solve(problem, SolverParameters(time_limit_s=limit, num_workers=2, random_seed=seed))
    minutes = sum(problem.task_by_id[i.task].duration for i in r.items)
    return Run(f"new {limit:g}s s{seed}", r.status, r.objective, r.first_solution_seconds, r.solve_seconds,
               r.parameters["source"], len(r.items), minutes)


def old_run(old: Path | None, problem, path: Path, limit: float, seed: int) -> Run | None:
    if old is None:
        return None
    # Run from the old tree: `-c` puts the working directory first on sys.path.
    out = subprocess.run([sys.executable, "-c", OLD_RUNNER, str(path), str(limit), str(seed)], cwd=old,
                         env={"PYTHONPATH": str(old), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                         timeout=limit * 4 + 60)
    if out.returncode != 0:
        raise SystemExit(f"the old solver failed: {out.stderr[-2000:]}")
    r = json.loads(out.stdout.strip().splitlines()[-1])
    minutes = sum(problem.task_by_id[t].duration for t in r["placed"])
    return Run(f"old {limit:g}s s{seed}", r["status"], r["objective"], r["first"], r["wall"], r["source"],
               len(r["placed"]), minutes)


def header(problem, title: str) -> tuple[int, int]:
    todo = [t for t in problem.tasks if t.id not in {d.task for d in diagnose(problem)}]
    began = time.perf_counter()
    greedy = greedy_schedule(problem, todo)
    seconds = time.perf_counter() - began
    minutes = sum(problem.task_by_id[t].duration for t in greedy)
    work = sum(t.duration for t in todo)
    print(f"\n{title}: horizon {problem.horizon / 1440:.1f} days; {len(todo)} schedulable tasks, {work} min of work")
    print(f"  greedy EDD: {len(greedy)} placed, {minutes} min, objective {total(evaluate(problem, greedy))} "
          f"({seconds * 1000:.0f} ms)")
    print(f"  {'run':>12} {'status':>9} {'first':>7} {'objective':>11} {'placed':>6} {'minutes':>8} "
          f"{'source':>13} {'wall':>7}")
    return minutes, len(greedy)


def solve_both(problem, path, old, limits_new, limits_old, seeds) -> list[Run]:
    runs = []
    for seed in seeds:
        for limit in sorted(set(limits_new) | set(limits_old)):
            for run in ((new_run(problem, limit, seed) if limit in limits_new else None),
                        (old_run(old, problem, path, limit, seed) if limit in limits_old else None)):
                if run is not None:
                    print(run.row(), flush=True)
                    runs.append(run)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4, 5])
    parser.add_argument("--old", default=OLD_COMMIT, help="commit of the solver to compare with")
    parser.add_argument("--skip-old", action="store_true", help="run today's solver only")
    parser.add_argument("--parts", nargs="+", default=["overload", "50", "200", "1000"])
    args = parser.parse_args()
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        old = None
        if not args.skip_old:
            old = Path(tmp) / "old"
            old.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.old, "scheduler"], capture_output=True,
                                     check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        path = Path(tmp) / "shop.json"

        if "overload" in args.parts:
            for load in LOADS:
                problem = overloaded(1000, 40, 25, load, seed=3)
                path.write_text(json.dumps(to_dict(problem)))
                greedy_minutes, _ = header(problem, f"1,000 tasks at {load:.0%} of capacity")
                runs = solve_both(problem, path, old, (2, 5), (5,), args.seeds[:2])
                best = max(r.minutes for r in runs)
                new = [r for r in runs if r.label.startswith("new")]
                first_ok = all(r.first is not None and r.first <= 2 for r in new)
                greedy_ok = all(r.minutes >= greedy_minutes for r in new)
                fives = [r for r in new if " 5s" in r.label]
                close = all(r.minutes >= 0.98 * best for r in fives)
                verdicts.append(
                    f"overload {load:.0%}: first schedule <= 2 s {'MET' if first_ok else 'NOT MET'} "
                    f"({', '.join(f'{r.first}s' for r in new)}); >= greedy's {greedy_minutes} min "
                    f"{'MET' if greedy_ok else 'NOT MET'}; 5 s within 2% of the best run's {best} min "
                    f"{'MET' if close else 'NOT MET'} ({', '.join(f'{r.minutes / best - 1:+.2%}' for r in fives)})")

        if "50" in args.parts:
            problem = generate(50, *SHOPS[50])
            path.write_text(json.dumps(to_dict(problem)))
            header(problem, "50 tasks")
            runs = solve_both(problem, path, old, (1,), (1,), args.seeds[:2])
            got = ", ".join(f"{r.label} {r.status} {r.wall:.2f}s" for r in runs)
            verdicts.append(f"50 tasks proven optimal within 1 s (retired, reported): {got}")

        if "200" in args.parts:
            problem = generate(200, *SHOPS[200])
            path.write_text(json.dumps(to_dict(problem)))
            header(problem, "200 tasks")
            runs = solve_both(problem, path, old, (5,), (5,), args.seeds)
            reference = new_run(problem, REFERENCE_S, args.seeds[0])
            print(reference.row() + "  (reference)")
            best = min(r.objective for r in runs + [reference])
            fives = [r for r in runs if r.label.startswith("new")]
            above = [(r.objective - best) / best for r in fives]
            verdicts.append(f"200 tasks at 5 s within 3% of the best found ({best}), every seed: "
                            f"{'MET' if all(a <= 0.03 for a in above) else 'NOT MET'} "
                            f"({', '.join(f'{a:+.2%}' for a in above)})")
            olds = [r for r in runs if r.label.startswith("old")]
            if olds:
                verdicts.append(f"200 tasks old solver at 5 s against the same best: "
                                f"{', '.join(f'{(r.objective - best) / best:+.2%}' for r in olds)}")
            verdicts.append(f"200 tasks within 2% of the 60 s run after 5 s (retired, reported): "
                            f"{', '.join(f'{(r.objective - reference.objective) / reference.objective:+.2%}' for r in fives)}")

        if "1000" in args.parts:
            problem = generate(1000, *SHOPS[1000])
            path.write_text(json.dumps(to_dict(problem)))
            header(problem, "1,000 tasks")
            runs = solve_both(problem, path, old, (5,), (10,), args.seeds[:2])
            new = [r for r in runs if r.label.startswith("new")]
            olds = [r for r in runs if r.label.startswith("old")]
            if olds:
                worst_new, best_old = max(r.objective for r in new), min(r.objective for r in olds)
                verdicts.append(f"1,000 tasks at 5 s better than the old solver at 10 s: "
                                f"{'MET' if worst_new < best_old else 'NOT MET'} (new {[r.objective for r in new]}, "
                                f"old {[r.objective for r in olds]})")
    print("\nTargets")
    for line in verdicts:
        print("  " + line)


if __name__ == "__main__":
    main()
