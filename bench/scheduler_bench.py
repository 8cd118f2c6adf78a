"""Scheduler benchmark (prints figures and a met / not met line per target; not a test).

    .venv/bin/python bench/scheduler_bench.py [--quick] [--seeds 0 1 2]

Generated shops of 50, 200 and 1,000 tasks (fixed shop seeds, num_workers=2). For each,
in one process: the greedy earliest-due-date baseline's objective, then `solve()` with
time limits of 1, 5 and 10 s, each row giving the end-to-end time to the first feasible
schedule, the objective, the proven bound, the gap, the ratio to the greedy baseline and
the wall time. For 200 tasks a 60 s run gives "the best found". `--seeds` repeats the
CP-SAT runs with other solver seeds (run-to-run variance; a target must hold for each).
Each shop also gets the working-period lower bound (`scheduler/periods.py`), and each row
how far its objective is above it: a ceiling on the distance to the optimum.

Targets on this 2-core machine: 50 tasks proven optimal within 1 s; 200 tasks within 2%
of the best found in 60 s after 5 s; 1,000 tasks feasible within 10 s.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler import SolverParameters, solve  # noqa: E402
from scheduler.generate import generate  # noqa: E402
from scheduler.objective import evaluate, total  # noqa: E402
from scheduler.periods import lower_bound  # noqa: E402
from scheduler.solver import baseline  # noqa: E402

SHOPS = {50: (6, 4, 1), 200: (12, 8, 2), 1000: (40, 25, 3)}  # tasks: (techs, bays, shop seed)
LIMITS = (1, 5, 10)
REFERENCE_S = 60
BOUND_S = 5  # the lower bound's time limit (200 tasks: proven in about 2 s)


def row(label: str, r, greedy: int, floor: float | None) -> str:
    first = f"{r.first_solution_seconds:.2f}s" if r.first_solution_seconds is not None else "-"
    gap = f"{r.gap:.2%}" if r.gap is not None else "-"
    ratio = f"{r.objective / greedy:.3f}" if r.objective is not None else "-"
    bound = f"{r.best_bound:.0f}" if r.best_bound is not None else "-"
    above = f"{r.objective / floor - 1:+.1%}" if r.objective is not None and floor else "-"
    return (f"  {label:>6} {r.status:>9} {first:>11} {str(r.objective):>11} {bound:>11} {gap:>7} "
            f"{ratio:>8} {above:>9} {r.solve_seconds:>5.2f}s")


def run(tasks: int, seeds, limits, reference: bool) -> dict:
    techs, bays, shop_seed = SHOPS[tasks]
    problem = generate(tasks, techs, bays, shop_seed)
    t0 = time.perf_counter()
    greedy = total(evaluate(problem, baseline(problem)))
    greedy_s = time.perf_counter() - t0
    print(f"\n{tasks} tasks, {techs} techs, {bays} bays (shop seed {shop_seed}); "
          f"horizon {problem.horizon // 1440} days")
    print(f"  greedy EDD baseline: objective {greedy}  ({greedy_s * 1000:.0f} ms)")
    t0 = time.perf_counter()
    floor = lower_bound(problem, BOUND_S)
    shown = f"{floor:.0f}" if floor is not None else "- (the relaxation found no room)"
    print(f"  working-period lower bound: {shown}  ({time.perf_counter() - t0:.1f} s)")
    print(f"  {'limit':>6} {'status':>9} {'first feas.':>11} {'objective':>11} {'bound':>11} {'gap':>7} "
          f"{'/greedy':>8} {'vs floor':>9} {'wall':>6}")
    runs: dict[tuple[int, float], object] = {}
    for seed in seeds:
        if len(seeds) > 1:
            print(f"  solver seed {seed}")
        for limit in limits:
            runs[seed, limit] = r = solve(problem, SolverParameters(time_limit_s=limit, num_workers=2,
                                                                     random_seed=seed))
            print(row(f"{limit}s", r, greedy, floor))
    if reference:
        r = solve(problem, SolverParameters(time_limit_s=REFERENCE_S, num_workers=2, random_seed=seeds[0]))
        runs[seeds[0], REFERENCE_S] = r
        print(row(f"{REFERENCE_S}s", r, greedy, floor) + "  (reference)")
    return runs


def verdicts(results: dict) -> list[str]:
    lines = []
    if 50 in results:
        ones = [r for (s, limit), r in results[50].items() if limit == 1]
        met = all(r.status == "optimal" and r.solve_seconds <= 1.0 for r in ones)
        got = ", ".join(f"{r.status} in {r.solve_seconds:.2f}s (gap {r.gap:.2%})" for r in ones)
        lines.append(f"50 tasks proven optimal within 1 s: {'MET' if met else 'NOT MET'} ({got})")
    if 200 in results and any(limit == REFERENCE_S for _, limit in results[200]):
        objectives = [r.objective for r in results[200].values() if r.objective is not None]
        best = min(objectives)
        fives = [r for (s, limit), r in results[200].items() if limit == 5]
        above = [(r.objective - best) / best for r in fives]
        met = all(a <= 0.02 for a in above)
        lines.append(f"200 tasks within 2% of the best found ({best}) after 5 s: {'MET' if met else 'NOT MET'} "
                     f"({', '.join(f'{a:+.2%}' for a in above)})")
    if 1000 in results:
        tens = [r for (s, limit), r in results[1000].items() if limit == 10]
        met = all(r.first_solution_seconds is not None and r.first_solution_seconds <= 10 for r in tens)
        got = ", ".join(f"first feasible at {r.first_solution_seconds}s" for r in tens)
        lines.append(f"1,000 tasks feasible within 10 s: {'MET' if met else 'NOT MET'} ({got})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 s limits only, no reference run, no verdicts")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="CP-SAT random seeds (default: 0)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SHOPS), choices=list(SHOPS))
    args = parser.parse_args()
    limits = (1,) if args.quick else LIMITS
    results = {tasks: run(tasks, args.seeds, limits, reference=not args.quick and tasks == 200)
               for tasks in args.sizes}
    if not args.quick:
        print("\nTargets")
        for line in verdicts(results):
            print("  " + line)


if __name__ == "__main__":
    main()
