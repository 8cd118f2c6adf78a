"""What-if benchmark (prints figures and a met / not met line per target; not a test).

    .venv/bin/python bench/whatif_bench.py [--proposals 300]

Generated shops of 200 and 1,000 tasks (the scheduler benchmark's shops), each scheduled once
by `solve()`; then random proposals (a task, a technician with its skill or not, a start in
the first days) judged by `scheduler.whatif.what_if`, timed one by one. Beside each, in the
same process, the baseline: the independent hard-constraint checker run over the whole
schedule with the proposal applied (what answering "feasible?" costs done naively, without
pushes or slots).

Targets: p95 <= 100 ms on 200 tasks, <= 300 ms on 1,000.
"""
import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler import SolverParameters, solve  # noqa: E402
from scheduler.generate import generate  # noqa: E402
from scheduler.problem import Assignment  # noqa: E402
from scheduler.whatif import Proposal, what_if  # noqa: E402
from tests.scheduler.schedule_checker import violations  # noqa: E402

SHOPS = {200: (12, 8, 2, 100), 1000: (40, 25, 3, 300)}  # tasks: (techs, bays, shop seed, p95 target in ms)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(tasks: int, proposals: int) -> None:
    techs, bays, seed, target = SHOPS[tasks]
    problem = generate(tasks, techs, bays, seed)
    result = solve(problem, SolverParameters(time_limit_s=3.0, num_workers=2))
    base = {i.task: Assignment(i.task, i.technician, i.bay, i.start, i.end) for i in result.items}
    unplaced = set(result.unscheduled)
    rng = random.Random(1)
    timed, checked, feasible, pushed, slots = [], [], 0, 0, 0
    for _ in range(proposals):
        task = rng.choice(problem.tasks)
        proposal = Proposal(task.id, technician=rng.choice(problem.technicians).id,
                            start=rng.randrange(0, min(problem.horizon, 3 * 1440), 15))
        t0 = time.perf_counter()
        answer = what_if(problem, base, proposal)
        timed.append((time.perf_counter() - t0) * 1000)
        feasible += answer.feasible
        pushed += len(answer.pushed)
        slots += len(answer.nearest)
        applied = {**base, task.id: answer.placement}
        t0 = time.perf_counter()
        violations(problem, applied, unplaced - {task.id})
        checked.append((time.perf_counter() - t0) * 1000)
    p95 = percentile(timed, 0.95)
    print(f"\n{tasks} tasks, {techs} techs, {bays} bays (shop seed {seed}); {len(base)} placed; "
          f"{proposals} proposals, {feasible} feasible, {pushed / proposals:.1f} pushed and "
          f"{slots / proposals:.1f} slots on average")
    print(f"  what_if       p50 {statistics.median(timed):6.1f} ms   p95 {p95:6.1f} ms   max {max(timed):6.1f} ms")
    print(f"  checker only  p50 {statistics.median(checked):6.1f} ms   p95 {percentile(checked, 0.95):6.1f} ms   "
          f"max {max(checked):6.1f} ms   (baseline)")
    print(f"  target p95 <= {target} ms: {'met' if p95 <= target else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=300)
    args = parser.parse_args()
    for tasks in SHOPS:
        run(tasks, args.proposals)


if __name__ == "__main__":
    main()
