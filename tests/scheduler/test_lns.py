"""Neighbourhood search (`scheduler.lns`): it improves schedules, keeps every hard constraint
and every lock, and drops a searcher's result that collides with another's change."""
import random
import time
from dataclasses import replace

from scheduler import SolverParameters, lns, periods, solve
from scheduler.diagnose import diagnose
from scheduler.generate import generate
from scheduler.objective import evaluate, finish, total
from scheduler.pools import BayPools
from scheduler.problem import Assignment, Lock
from scheduler.solver import baseline
from tests.scheduler.schedule_checker import violations


def pooled(pools: BayPools, placed: dict[str, Assignment]) -> dict[str, Assignment]:
    return {k: replace(a, bay=pools.key_of[a.bay] if a.bay else None) for k, a in placed.items()}


def searched(problem, seconds: float, seed: int = 0):
    """(start, improved, pools): the EDD schedule and what `seconds` of search make of it."""
    excluded = {d.task for d in diagnose(problem)}
    tasks = [t for t in problem.tasks if t.id not in excluded]
    pools = BayPools(problem)
    start = pooled(pools, baseline(problem))
    improved = lns.improve(problem, tasks, start, pools, time.perf_counter() + seconds, workers=2, seed=seed)
    return start, improved, pools


def test_search_improves_the_greedy_schedule_and_keeps_every_hard_constraint():
    problem = generate(80, 6, 4, seed=5)
    start, improved, pools = searched(problem, 1.5)
    assert set(improved) == set(start)
    assert total(evaluate(problem, improved)) < total(evaluate(problem, start))
    unscheduled = {d.task for d in diagnose(problem)}
    assert violations(problem, pools.assign(improved), unscheduled) == []


def test_locked_fields_stay_where_the_dispatcher_put_them():
    problem = generate(60, 5, 4, seed=8)
    edd = baseline(problem)
    chosen = [t for t in problem.tasks if t.id in edd][::6]
    locks = {}
    for i, task in enumerate(chosen):
        a = edd[task.id]
        fields = [{"start": a.start}, {"technician": a.technician}, {"bay": a.bay} if a.bay else {"start": a.start},
                  {"start": a.start, "technician": a.technician, "bay": a.bay}][i % 4]
        locks[task.id] = Lock(**fields)
    problem = replace(problem, tasks=[replace(t, lock=locks.get(t.id, Lock())) for t in problem.tasks])
    _, improved, pools = searched(problem, 1.0, seed=3)
    placed = pools.assign(improved)
    assert violations(problem, placed, {d.task for d in diagnose(problem)}) == []
    for task_id, lock in locks.items():
        for field in ("start", "technician", "bay"):
            if getattr(lock, field) is not None:
                assert getattr(placed[task_id], field) == getattr(lock, field), (task_id, field)


def test_a_work_order_with_time_to_spare_is_freed_with_the_work_orders_that_could_take_its_place():
    problem = generate(80, 6, 4, seed=5)
    excluded = {d.task for d in diagnose(problem)}
    tasks = [t for t in problem.tasks if t.id not in excluded]
    placed = pooled(BayPools(problem), baseline(problem))
    ends = finish(problem, placed)
    hood = lns.Neighbourhoods(problem, tasks, random.Random(0))
    for _ in range(20):
        freed = hood.deferred_work_order(placed, 25)
        by_wo: dict[str, set[str]] = {}
        for task_id in freed:
            by_wo.setdefault(problem.task_by_id[task_id].work_order, set()).add(task_id)

        def deferred(wo: str) -> bool:
            first = min(placed[t.id].start for t in hood.by_wo[wo])
            return (by_wo[wo] == {t.id for t in hood.by_wo[wo]}
                    and problem.wo_by_id[wo].due - ends[wo] > lns.MIN_SLACK
                    and all(ends[other] > ends[wo] and placed[t].start >= first
                            for other, own in by_wo.items() if other != wo for t in own))

        assert len(by_wo) > 1 and any(deferred(wo) for wo in by_wo), sorted(freed)


def test_a_work_order_behind_the_plan_is_freed_with_the_tasks_in_its_planned_period():
    problem = generate(80, 6, 4, seed=5)
    excluded = {d.task for d in diagnose(problem)}
    tasks = [t for t in problem.tasks if t.id not in excluded]
    placed = pooled(BayPools(problem), baseline(problem))
    plan = periods.plan(problem, tasks, time_limit_s=2.0, num_workers=2)
    planned_finish: dict[str, int] = {}
    for task_id, period in plan.period_of.items():
        wo = problem.task_by_id[task_id].work_order
        planned_finish[wo] = max(planned_finish.get(wo, 0), period)
    behind = {wo for wo, end in finish(problem, placed).items() if plan.period_at(end - 1) > planned_finish[wo]}
    assert behind  # the EDD schedule leaves work orders days later than the relaxation has them
    hood = lns.Neighbourhoods(problem, tasks, random.Random(0))
    for _ in range(20):
        freed = hood.behind_plan(placed, 25, plan)
        chosen = [wo for wo in behind if {t.id for t in hood.by_wo[wo]} <= freed
                  and all(plan.period_at(placed[t].start) == planned_finish[wo] for t in freed
                          if problem.task_by_id[t].work_order != wo)]
        assert chosen, sorted(freed)


def test_search_with_a_plan_improves_and_keeps_every_hard_constraint():
    problem = generate(80, 6, 4, seed=5)
    excluded = {d.task for d in diagnose(problem)}
    tasks = [t for t in problem.tasks if t.id not in excluded]
    pools = BayPools(problem)
    start = pooled(pools, baseline(problem))
    calls = []

    def plan():
        calls.append("plan")
        return periods.plan(problem, tasks, time_limit_s=0.5)

    improved = lns.improve(problem, tasks, start, pools, time.perf_counter() + 1.5, workers=2, plan=plan)
    assert calls == ["plan"]
    assert total(evaluate(problem, improved)) < total(evaluate(problem, start))
    assert violations(problem, pools.assign(improved), excluded) == []


def test_a_stale_result_that_collides_with_a_newer_change_is_dropped():
    problem = generate(30, 3, 2, seed=2)
    pools = BayPools(problem)
    placed = pooled(pools, baseline(problem))
    schedule = lns._Schedule(problem, pools, placed)
    _, version = schedule.snapshot()
    mover, other = sorted(placed.values(), key=lambda a: a.start)[-2:]
    # Another searcher moved `other` meanwhile (to where it already is: a no-op change).
    schedule.offer({other.task: other}, version)
    assert schedule.version == version + 1
    # A result found against the old version that puts `mover` on top of `other` is dropped.
    clash = replace(mover, technician=other.technician, start=other.start,
                    end=other.start + problem.task_by_id[mover.task].duration)
    schedule.offer({mover.task: clash}, version)
    assert schedule.placed[mover.task] == mover and schedule.version == version + 1
    # One that fits beside the newer change (here: `mover` where it is) is kept.
    schedule.offer({mover.task: mover}, version)
    assert schedule.version == version + 2


def test_a_shop_with_a_wide_gap_is_finished_by_neighbourhood_search():
    problem = generate(200, 12, 8, seed=2)  # the benchmark's 200-task shop: gap ~50% after 1 s
    result = solve(problem, SolverParameters(time_limit_s=3.0))
    assert result.status == "feasible" and result.parameters["source"] == "lns"
    assert result.objective < result.baseline_objective
    placed = {i.task: i for i in result.items}
    assert violations(problem, placed, set(result.unscheduled)) == []
