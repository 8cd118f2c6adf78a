"""Scheduler benchmark (prints figures; not a test).

    .venv/bin/python bench/scheduler_bench.py [--quick]

Generated shops of 50, 200 and 1,000 tasks (fixed seeds, num_workers=2, random_seed=0).
For each: the greedy earliest-due-date baseline's objective, then CP-SAT runs with time
limits of 1, 5 and 10 s: time to first feasible, objective, gap to the proven bound, and
the ratio to the baseline. For 200 tasks a 60 s reference run gives "the best found".
Targets on this machine: 50 tasks optimal within 1 s; 200 tasks within 2% of the 60 s
best after 5 s; 1,000 tasks feasible within 10 s.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler import SolverParameters, solve  # noqa: E402
from scheduler.generate import generate  # noqa: E402
from scheduler.objective import evaluate, total  # noqa: E402
from scheduler.solver import baseline  # noqa: E402

SHOPS = [(50, 6, 4, 1), (200, 12, 8, 2), (1000, 40, 25, 3)]
LIMITS = (1, 5, 10)
REFERENCE_S = 60


def run(tasks: int, techs: int, bays: int, seed: int, limits, reference: bool) -> None:
    problem = generate(tasks, techs, bays, seed)
    t0 = time.perf_counter()
    greedy = total(evaluate(problem, baseline(problem)))
    greedy_s = time.perf_counter() - t0
    print(f"\n{tasks} tasks, {techs} techs, {bays} bays (seed {seed}); horizon {problem.horizon // 1440} days")
    print(f"  greedy EDD baseline: objective {greedy}  ({greedy_s * 1000:.0f} ms)")
    print(f"  {'limit':>6} {'status':>9} {'first feas.':>11} {'objective':>11} {'bound':>11} {'gap':>7} "
          f"{'/greedy':>8} {'wall':>6}")
    best = None
    for limit in limits:
        r = solve(problem, SolverParameters(time_limit_s=limit, num_workers=2, random_seed=0))
        first = f"{r.first_solution_seconds:.2f}s" if r.first_solution_seconds is not None else "-"
        gap = f"{r.gap:.2%}" if r.gap is not None else "-"
        ratio = f"{r.objective / greedy:.3f}" if r.objective is not None else "-"
        print(f"  {limit:>5}s {r.status:>9} {first:>11} {str(r.objective):>11} {str(r.best_bound):>11} {gap:>7} "
              f"{ratio:>8} {r.solve_seconds:>5.1f}s")
        if limit == 5:
            at_five = r.objective
        if r.objective is not None:
            best = r.objective if best is None else min(best, r.objective)
    if reference:
        r = solve(problem, SolverParameters(time_limit_s=REFERENCE_S, num_workers=2, random_seed=0))
        best = min(best, r.objective) if r.objective is not None else best
        print(f"  reference {REFERENCE_S}s: {r.status} objective {r.objective} bound {r.best_bound}; "
              f"5 s run is {(at_five - best) / best:.2%} above the best found")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 s limits only, no reference run")
    args = parser.parse_args()
    limits = (1,) if args.quick else LIMITS
    for tasks, techs, bays, seed in SHOPS:
        run(tasks, techs, bays, seed, limits, reference=not args.quick and tasks == 200)


if __name__ == "__main__":
    main()
