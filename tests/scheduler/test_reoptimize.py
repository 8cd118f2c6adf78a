"""Re-optimization after a change (issue #17), on generated shops with real local search and CP-SAT:
what moves, what must not, and the diff that says so."""
import json
from dataclasses import replace

import pytest

from bayflow.cli import main
from scheduler import Change, ReoptimizeParameters, reoptimize
from scheduler.diagnose import diagnose
from scheduler.generate import generate
from scheduler.greedy import greedy_schedule
from scheduler.problem import Assignment, Lock, Problem, Task, Window, WorkOrder, merge, subtract
from scheduler.scenario import to_dict
from tests.scheduler.schedule_checker import violations

WINDOW = 240


@pytest.fixture(scope="module")
def published() -> Problem:
    """A 90-task shop with its greedy schedule as the previous one (the same on every run)."""
    shop = generate(90, 7, 5, seed=4)
    excluded = {d.task for d in diagnose(shop)}
    placed = greedy_schedule(shop, [t for t in shop.tasks if t.id not in excluded])
    return with_tasks(shop, shop.tasks, sorted(placed.values(), key=lambda a: (a.start, a.task)))


def params(**fields) -> ReoptimizeParameters:
    """One worker, a fixed seed, a short limit: no assertion below depends on what the search finds."""
    return ReoptimizeParameters(**{"time_limit_s": 1.0, "num_workers": 1, "random_seed": 0, **fields})


def with_tasks(shop: Problem, tasks: list[Task], previous: list[Assignment], technicians=None,
               work_orders=None) -> Problem:
    return Problem(shop.horizon_start, shop.horizon, technicians or shop.technicians, shop.bays,
                   work_orders or shop.work_orders, tasks, previous, shop.weights)


def longer(shop: Problem, task_id: str, minutes: int = 60) -> Problem:
    tasks = [replace(t, duration=t.duration + minutes) if t.id == task_id else t for t in shop.tasks]
    return with_tasks(shop, tasks, shop.previous)


def placed_of(result) -> dict[str, Assignment]:
    return {i.task: Assignment(i.task, i.technician, i.bay, i.start, i.end) for i in result.items}


def place(a: Assignment | None):
    return None if a is None else (a.start, a.technician, a.bay)


def assert_valid(problem: Problem, result) -> None:
    assert violations(problem, placed_of(result), set(result.unscheduled)) == []


def region(shop: Problem, task_id: str, window: int) -> set[str]:
    """Written from the issue's words: the tasks within `window` of the changed task on its
    technician's and bay's timelines, closed under their work orders and dependants, and the tasks
    within `window` of each of those on their own timelines."""
    prev = shop.previous_by_task
    succs: dict[str, set[str]] = {}
    for t in shop.tasks:
        for p in t.predecessors:
            succs.setdefault(p, set()).add(t.id)

    def near(a: Assignment) -> set[str]:
        return {b.task for b in shop.previous
                if (b.technician == a.technician or (a.bay is not None and b.bay == a.bay))
                and b.start < a.end + window + 60 and a.start - window < b.end}

    core = near(prev[task_id]) | {task_id}
    changed = True
    while changed:
        grown = {t.id for t in shop.tasks for c in core if t.work_order == shop.task_by_id[c].work_order}
        grown |= {s for c in core for s in succs.get(c, ())}
        changed = not grown <= core
        core |= grown
    return core | {t for c in core if c in prev for t in near(prev[c])}


def test_a_change_on_one_technician_leaves_every_task_outside_its_neighbourhood_identical(published):
    narrow = 0
    for a in sorted(published.previous, key=lambda a: a.task)[::9]:
        problem = longer(published, a.task)
        result = reoptimize(problem, [Change(f"'{a.task}' running 60 min over", tasks=frozenset([a.task]))],
                            params(window_minutes=WINDOW))
        assert_valid(problem, result)
        after = placed_of(result)
        assert len(result.moves) <= result.parameters["neighbourhood"]  # only the (final) neighbourhood moves
        if result.parameters["widened"]:
            continue
        narrow += 1
        inside = region(published, a.task, WINDOW)
        outside = [b for b in published.previous if b.task not in inside]
        assert outside and all(place(after.get(b.task)) == place(b) for b in outside), a.task
        assert result.parameters["source"] == "reoptimize"
        assert result.parameters["neighbourhood"] <= len(inside)
    assert narrow >= 5


def test_the_diff_lists_exactly_the_moved_tasks_with_reasons(published):
    first = min(published.previous, key=lambda a: a.start)
    rush = WorkOrder("RUSH", due=600, priority=5)
    new = [Task("RUSH-1", "Replace pads", "RUSH", 90, "brakes", "lift"),
           Task("RUSH-2", "Test drive", "RUSH", 30, "general", None, predecessors=("RUSH-1",))]
    problem = longer(published, first.task, 120)
    problem = with_tasks(problem, problem.tasks + new, problem.previous,
                         work_orders=problem.work_orders + [rush])
    changes = [Change(f"'{first.task}' running 120 min over", tasks=frozenset([first.task])),
               Change("rush work order RUSH", work_orders=frozenset(["RUSH"]))]
    result = reoptimize(problem, changes, params())
    assert_valid(problem, result)
    after, before = placed_of(result), problem.previous_by_task
    differ = {t for t in set(after) | set(before) if place(after.get(t)) != place(before.get(t))}
    assert {m.task for m in result.moves} == differ and len(result.moves) == len(differ)
    assert {"RUSH-1", "RUSH-2"} <= differ
    for m in result.moves:
        assert (m.before, m.after) == (before.get(m.task), after.get(m.task))
        if m.before is None:
            assert m.reason == "placed"
        elif m.after is None:
            assert m.reason.startswith("unplaced: ")
        else:
            verb = "pushed by " if m.after.start > m.before.start else "freed by " if (
                m.after.start < m.before.start) else ""
            assert m.reason.startswith(verb) and any(m.reason.endswith(c.reason) for c in changes), m
    assert len(differ) <= result.parameters["neighbourhood"]  # only it moves; how wide is the search's call
    assert result.to_dict(problem)["moves"][0]["reason"] == result.moves[0].reason


def test_locks_and_in_progress_tasks_never_move(published):
    by_start = sorted(published.previous, key=lambda a: a.start)
    running = by_start[0]
    pinned = {a.task: a for a in by_start[5:40:6]}
    kinds = [lambda a: Lock(a.start, a.technician, a.bay), lambda a: Lock(technician=a.technician),
             lambda a: Lock(start=a.start), lambda a: Lock(bay=a.bay)]
    tasks, locks = [], {}
    for t in published.tasks:
        if t.id == running.task:  # in progress and running 90 minutes over, as the pipeline sees it
            t = replace(t, duration=running.end + 90, lock=Lock(0, running.technician, running.bay), predecessors=())
        elif t.id in pinned:
            t = replace(t, lock=kinds[len(locks) % len(kinds)](pinned[t.id]))
        locks[t.id] = t.lock
        tasks.append(t)
    previous = [replace(a, start=0) if a.task == running.task else a for a in published.previous]
    # The technician of some pinned tasks also takes an afternoon off; the running task's technician
    # is at work until it ends, whatever the calendar says (as `pipelines.schedule_run` loads it).
    other = next(a for a in by_start[20:] if a.technician != running.technician)
    tech = published.tech_by_id[other.technician]
    off = Window(other.start - 60, other.start + 180)
    busy = Window(0, running.end + 90)
    techs = [replace(x, availability=subtract(published.available(x), [off]), time_off=(off,)) if x is tech
             else replace(x, availability=merge([*published.available(x), busy])) if x.id == running.technician
             else x for x in published.technicians]
    problem = with_tasks(published, tasks, previous, technicians=techs)
    changes = [Change("running 90 min over", tasks=frozenset([running.task])),
               Change(f"{tech.name}'s time off", technicians=frozenset([tech.id]))]
    for full in (False, True):
        result = reoptimize(problem, changes, params(full=full))
        assert_valid(problem, result)
        after = placed_of(result)
        assert place(after[running.task]) == (0, running.technician, running.bay)
        for task_id, lock in locks.items():
            a = after.get(task_id)
            if lock.start is not None or lock.technician is not None or lock.bay is not None:
                assert a is not None, task_id
                assert lock.start in (None, a.start) and lock.technician in (None, a.technician), task_id
                assert lock.bay in (None, a.bay), task_id


def test_the_frozen_window_holds_unless_a_task_became_infeasible(published):
    frozen_until = 600
    early = sorted((a for a in published.previous if a.start < frozen_until), key=lambda a: a.start)
    later = next(a for a in sorted(published.previous, key=lambda a: a.start) if a.start >= frozen_until + 120)
    victim = early[len(early) // 2]
    tech = published.tech_by_id[victim.technician]
    off = Window(victim.start, victim.end)
    techs = [replace(x, availability=subtract(published.available(x), [off]), time_off=(off,)) if x is tech else x
             for x in published.technicians]
    problem = with_tasks(longer(published, later.task, 60), longer(published, later.task, 60).tasks,
                         published.previous, technicians=techs)
    changes = [Change(f"{tech.name} off", technicians=frozenset([tech.id])),
               Change("running over", tasks=frozenset([later.task]))]
    for full in (False, True):
        result = reoptimize(problem, changes, params(frozen_until=frozen_until, full=full))
        assert_valid(problem, result)
        after = placed_of(result)
        assert place(after.get(victim.task)) != place(victim)
        moved_early = {a.task for a in early if place(after.get(a.task)) != place(a)}
        assert victim.task in moved_early
        # Only the victim and what its own place forces (its work order's later tasks) may move.
        forced = {victim.task} | {t.id for t in problem.tasks if victim.task in t.predecessors}
        assert moved_early <= forced, moved_early - forced
        assert any(m.task == victim.task and m.reason.endswith(f"{tech.name} off") for m in result.moves)


def test_full_mode_keeps_the_published_schedule_as_its_start(published):
    a = sorted(published.previous, key=lambda a: a.start)[len(published.previous) // 2]
    problem = longer(published, a.task)
    change = [Change("over", tasks=frozenset([a.task]))]
    full = reoptimize(problem, change, params(full=True))
    assert_valid(problem, full)
    assert full.parameters["source"] == "reoptimize-full"
    assert full.objective <= full.parameters["partial_objective"]
    before = problem.previous_by_task
    assert {m.task for m in full.moves} == {t for t, x in placed_of(full).items() if place(x) != place(before.get(t))}


def test_the_previous_reasons_are_kept_outside_the_neighbourhood_and_the_rest_explained_afresh(published):
    a = sorted(published.previous, key=lambda a: a.start)[len(published.previous) // 3]
    problem = longer(published, a.task)
    marker = ["as published"]
    result = reoptimize(problem, [Change("over", tasks=frozenset([a.task]))], params(),
                        explained={b.task: marker for b in published.previous})
    moved = {m.task for m in result.moves}
    kept = [i for i in result.items if i.why == marker]
    assert moved and kept and not moved & {i.task for i in kept}
    changed = next(i for i in result.items if i.task == a.task)  # in the neighbourhood whether it moved or not
    assert changed.why != marker and changed.why


def scenario_file(tmp_path, problem: Problem, changes: list[dict] | None):
    data = to_dict(problem)
    if changes is not None:
        data["changes"] = changes
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(data))
    return path


def test_solve_warm_starts_from_the_previous_schedule(published, tmp_path, capsys):
    a = sorted(published.previous, key=lambda a: a.start)[10]
    problem = longer(published, a.task)
    out = tmp_path / "result.json"
    for changes in ([{"reason": "pads running over", "tasks": [a.task]}], None):
        path = scenario_file(tmp_path, problem, changes)
        assert main(["solve", str(path), "--time-limit", "2", "--out", str(out)]) == 0
        printed = capsys.readouterr().out
        assert "re-optimized (reoptimize" in printed
        result = json.loads(out.read_text())
        assert result["parameters"]["source"] == "reoptimize"
        reason = "pads running over" if changes else f"now {problem.task_by_id[a.task].duration} min"
        assert any(reason in c for c in result["parameters"]["changes"])
        items = {i["task"]: (i["start_minute"], i["technician"], i["bay"]) for i in result["items"]}
        moved = {m["task"] for m in result["moves"]}
        assert moved == {b.task for b in published.previous if items.get(b.task) != place(b)}
        assert len(moved) <= result["parameters"]["neighbourhood"]
    path = scenario_file(tmp_path, problem, [{"reason": "x", "tasks": ["nope"]}])
    assert main(["solve", str(path)]) == 2
    assert "changes[0].tasks[0]: unknown task 'nope'" in capsys.readouterr().err
