"""Single-machine total weighted tardiness through `bayflow solve` (prints figures; not a test).

    .venv/bin/python bench/wt_bench.py [--instances 25] [--limit 5] [--reference-s 30]

Instances follow the standard generation scheme (as for the OR-Library's wt40 set): 40 jobs,
p ~ U[1,100], w ~ U[1,10], d ~ U[P(1 - TF - RDD/2), P(1 - TF + RDD/2)] with P the total
processing time, for the tardiness factors TF and due-date ranges RDD of `GRID`, one
instance per pair and seed (`SEEDS`). Each becomes a scenario of one always-available
technician, one task per work order (due date d, priority w) and the weights
tardiness 1, completion 0, stability 0, so the objective is exactly sum w_j T_j.

Each scenario is solved by `bayflow solve --time-limit <limit>` (in this process, through the
command's own code) and compared with the reference: CP-SAT on the textbook disjunctive
model (one NoOverlap, T_j >= C_j - d_j) with `--reference-s` seconds and 2 workers, hinted
with the best schedule our run found. The reference is the optimum where CP-SAT proves it
(marked *), otherwise the best known (ours or CP-SAT's, whichever is lower).
Targets: >= 90% of instances at the optimum, mean gap <= 0.1%.
"""
import argparse
import contextlib
import io
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from ortools.sat.python import cp_model

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bayflow.cli import main as bayflow  # noqa: E402

JOBS = 40
GRID = [(tf, rdd) for tf in (0.2, 0.4, 0.6, 0.8, 1.0) for rdd in (0.2, 0.4, 0.6, 0.8, 1.0)]
SEEDS = (11,)  # one instance per (TF, RDD) and seed


def instance(tf: float, rdd: float, seed: int) -> tuple[list[int], list[int], list[int]]:
    """(p, w, d) of one instance."""
    rng = random.Random(f"{seed}-{tf}-{rdd}")
    p = [rng.randint(1, 100) for _ in range(JOBS)]
    w = [rng.randint(1, 10) for _ in range(JOBS)]
    total = sum(p)
    lo, hi = round(total * (1 - tf - rdd / 2)), round(total * (1 - tf + rdd / 2))
    d = [rng.randint(max(0, lo), max(0, hi)) for _ in range(JOBS)]
    return p, w, d


def scenario(p: list[int], w: list[int], d: list[int]) -> dict:
    return {
        "horizon": {"start": "2026-11-30T00:00:00Z", "length_minutes": sum(p) + 1},
        "technicians": [{"id": "m", "name": "Machine", "skills": []}],
        "bays": [],
        "work_orders": [{"id": f"j{i}", "due_at": d[i], "priority": w[i]} for i in range(JOBS)],
        "tasks": [{"id": f"t{i}", "name": f"Job {i}", "work_order": f"j{i}", "duration_minutes": p[i]}
                  for i in range(JOBS)],
        "weights": {"tardiness": 1, "completion": 0, "stability": 0},
    }


def ours(data: dict, limit: float, workdir: Path) -> tuple[int, dict[str, int], str, float]:
    """(objective, starts, source, seconds) of `bayflow solve --time-limit <limit>`."""
    path, out = workdir / "wt.json", workdir / "result.json"
    path.write_text(json.dumps(data))
    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the command's summary
        code = bayflow(["solve", str(path), "--time-limit", str(limit), "--out", str(out)])
    seconds = time.perf_counter() - began
    if code != 0:
        raise SystemExit(f"bayflow solve exited {code}")
    result = json.loads(out.read_text())
    starts = {i["task"]: i["start_minute"] for i in result["items"]}
    return result["objective"], starts, result["parameters"]["source"], seconds


def reference(p, w, d, hint: dict[str, int], seconds: float) -> tuple[int, bool]:
    """(objective, proven optimal) of CP-SAT on the disjunctive model."""
    m = cp_model.CpModel()
    horizon = sum(p)
    start = [m.new_int_var(0, horizon - p[i], f"s{i}") for i in range(JOBS)]
    late = [m.new_int_var(0, horizon, f"t{i}") for i in range(JOBS)]
    m.add_no_overlap([m.new_fixed_size_interval_var(start[i], p[i], f"iv{i}") for i in range(JOBS)])
    for i in range(JOBS):
        m.add(late[i] >= start[i] + p[i] - d[i])
        if f"t{i}" in hint:
            m.add_hint(start[i], hint[f"t{i}"])
    m.minimize(sum(w[i] * late[i] for i in range(JOBS)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    code = solver.solve(m)
    return round(solver.objective_value), code == cp_model.OPTIMAL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=len(GRID) * len(SEEDS))
    parser.add_argument("--limit", type=float, default=5.0, help="bayflow solve --time-limit")
    parser.add_argument("--reference-s", type=float, default=30.0, help="CP-SAT reference time limit")
    args = parser.parse_args()
    cases = [(tf, rdd, seed) for seed in SEEDS for tf, rdd in GRID][:args.instances]
    print(f"{'TF':>4} {'RDD':>4} {'ours':>8} {'ref':>9} {'gap':>7} {'source':>13} {'wall':>6}")
    gaps, at_optimum, proven = [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for tf, rdd, seed in cases:
            p, w, d = instance(tf, rdd, seed)
            got, starts, source, seconds = ours(scenario(p, w, d), args.limit, Path(tmp))
            ref, optimal = reference(p, w, d, starts, args.reference_s)
            ref = min(ref, got)
            gap = (got - ref) / ref if ref else (0.0 if got == 0 else float("inf"))
            gaps.append(gap)
            at_optimum += got == ref
            proven += optimal
            print(f"{tf:>4} {rdd:>4} {got:>8} {ref:>8}{'*' if optimal else ' '} {gap:>7.2%} {source:>13} "
                  f"{seconds:>5.1f}s")
    n = len(cases)
    mean = sum(gaps) / n
    print(f"\n{n} instances, {proven} references proven optimal by CP-SAT ({args.reference_s:g} s)")
    print(f"at the reference: {at_optimum}/{n} ({at_optimum / n:.0%}); mean gap {mean:.3%}; max {max(gaps):.2%}")
    print(f"targets: >= 90% at the optimum: {'MET' if at_optimum >= 0.9 * n else 'NOT MET'}; "
          f"mean gap <= 0.1%: {'MET' if mean <= 0.001 else 'NOT MET'}")


if __name__ == "__main__":
    main()
