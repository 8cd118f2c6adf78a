"""Pre-solve checks: problems that make a task unschedulable, found before CP-SAT runs.

Each diagnosed task is left out of the model, and so is every task depending on it,
so the rest of the shop still schedules.
"""
from scheduler.problem import NO_ETA, Problem, Task, hhmm, with_skill
from scheduler.result import Diagnosis


def release_time(task: Task) -> int:
    """Earliest start allowed by the parts gate (0 when nothing is awaited)."""
    return max(0, task.parts_ready) if isinstance(task.parts_ready, int) else 0


def candidate_techs(problem: Problem, task: Task):
    techs = problem.eligible_techs(task)
    if task.lock.technician is not None:
        techs = [t for t in techs if t.id == task.lock.technician]
    return techs


def candidate_bays(problem: Problem, task: Task):
    bays = problem.eligible_bays(task)
    if task.lock.bay is not None:
        bays = [b for b in bays if b.id == task.lock.bay]
    return bays


def fits(windows, start: int, end: int) -> bool:
    return any(w.contains(start, end) for w in windows)


def longest_usable(windows, release: int) -> int:
    """The longest stretch of `windows` after `release`."""
    return max((w.end - max(w.start, release) for w in windows if w.end > release), default=0)


def diagnose(problem: Problem) -> list[Diagnosis]:
    found: list[Diagnosis] = []
    longest: dict[tuple[int, int], int] = {}  # (id of a windows tuple, release) -> longest_usable, shared by tasks
    for task in problem.tasks:
        found.extend(_task_problems(problem, task, longest))
    found.extend(_cycles(problem))
    found.extend(_lock_overlaps(problem))
    found.extend(_locked_too_early(problem, {d.task for d in found}))
    return found + blocked_by(problem, {d.task for d in found})


def _task_problems(problem: Problem, task: Task, memo: dict[tuple[int, int], int]) -> list[Diagnosis]:
    out = []

    def longest_of(windows, release: int) -> int:
        key = (id(windows), release)
        if key not in memo:
            memo[key] = longest_usable(windows, release)
        return memo[key]

    def add(kind, message):
        out.append(Diagnosis(task.id, kind, message))

    if not problem.eligible_techs(task):
        add("missing_skill", f"no technician has skill '{task.skill}'" if task.skill else "no technicians")
    if task.bay_type is not None and not problem.eligible_bays(task):
        add("missing_bay_type", f"no bay of type '{task.bay_type}'")
    if task.parts_ready == NO_ETA:
        add("waiting_on_parts", "waiting on parts: no ETA")
    elif isinstance(task.parts_ready, int) and release_time(task) + task.duration > problem.horizon:
        add("parts_after_horizon", f"parts arrive {hhmm(problem, release_time(task))}, too late to finish in the horizon")
    lock = task.lock
    tech = problem.tech_by_id.get(lock.technician)
    if tech is not None and task.skill is not None and task.skill not in tech.skills:
        add("lock_conflict", f"locked to {tech.name}, who lacks skill '{task.skill}'")
    bay = problem.bay_by_id.get(lock.bay)
    if bay is not None and bay.type != task.bay_type:
        needs = f"a '{task.bay_type}' bay" if task.bay_type else "no bay"
        add("lock_conflict", f"locked to bay '{bay.name}' ({bay.type}) but needs {needs}")
    if out:
        return out
    release = release_time(task)
    techs, bays = candidate_techs(problem, task), candidate_bays(problem, task)
    if lock.start is not None:
        start, end = lock.start, lock.start + task.duration
        when = f"{hhmm(problem, start)}-{hhmm(problem, end)}"
        if start < release:
            add("lock_conflict", f"locked to start {hhmm(problem, start)} but parts arrive {hhmm(problem, release)}")
        elif start < 0 or end > problem.horizon:
            add("lock_conflict", f"locked to {when}, outside the planning horizon")
        elif not any(fits(problem.available(t), start, end) for t in techs):
            who = techs[0].name if lock.technician else f"any technician {with_skill(task)}".rstrip()
            add("lock_conflict", f"locked to {when} but {who} is not available then")
        elif task.bay_type and not any(fits(problem.bay_open(b), start, end) for b in bays):
            which = f"bay '{bays[0].name}'" if lock.bay else f"every '{task.bay_type}' bay"
            add("lock_conflict", f"locked to {when} but {which} is down then")
        return out
    longest = max(longest_of(w, release) for w in problem.shift_patterns(techs))
    if longest < task.duration:
        who = techs[0].name if lock.technician else f"any technician {with_skill(task)}".rstrip()
        add("no_window", f"takes {task.duration} min; the longest availability window of {who} is {longest} min")
    elif task.bay_type:
        longest_bay = max(longest_of(problem.bay_open(b), release) for b in bays)
        if longest_bay < task.duration:
            add("no_window", f"takes {task.duration} min; the longest uptime of a '{task.bay_type}' bay is {longest_bay} min")
    return out


def _cycles(problem: Problem) -> list[Diagnosis]:
    """Every task on a dependency cycle (strongly connected components of size > 1, Tarjan)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(root: str):
        # Iterative Tarjan, so long dependency chains do not hit the recursion limit.
        work = [(root, iter(problem.task_by_id[root].predecessors))]
        index[root] = low[root] = counter[0]; counter[0] += 1
        stack.append(root); on_stack.add(root)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]; counter[0] += 1
                    stack.append(nxt); on_stack.add(nxt)
                    work.append((nxt, iter(problem.task_by_id[nxt].predecessors)))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop(); on_stack.discard(member); component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        names = ", ".join(f"'{problem.task_by_id[m].name}'" for m in reversed(component))
                        out.extend(Diagnosis(m, "dependency_cycle", f"dependency cycle: {names}") for m in component)

    for task in problem.tasks:
        if task.id not in index:
            visit(task.id)
    return out


def _lock_overlaps(problem: Problem) -> list[Diagnosis]:
    """Two tasks locked to overlapping times on the same technician or the same bay."""
    out = []
    timed = [t for t in problem.tasks if t.lock.start is not None]
    for field, label in (("technician", "technician"), ("bay", "bay")):
        by_resource: dict[str, list[Task]] = {}
        for t in timed:
            if getattr(t.lock, field) is not None:
                by_resource.setdefault(getattr(t.lock, field), []).append(t)
        for resource, tasks in by_resource.items():
            tasks.sort(key=lambda t: t.lock.start)
            for i, a in enumerate(tasks):
                for b in tasks[i + 1:]:
                    if b.lock.start >= a.lock.start + a.duration:
                        break
                    name = (problem.tech_by_id[resource].name if field == "technician"
                            else problem.bay_by_id[resource].name)
                    for x, y in ((a, b), (b, a)):
                        out.append(Diagnosis(x.id, "lock_conflict",
                                             f"locked on {label} {name} at {hhmm(problem, x.lock.start)}, overlapping "
                                             f"'{y.name}' locked there at {hhmm(problem, y.lock.start)}"))
    return out


def _locked_too_early(problem: Problem, diagnosed: set) -> list[Diagnosis]:
    """A locked start earlier than its predecessors can possibly end."""
    earliest: dict[str, int] = {}
    out = []
    for task in topological(problem, diagnosed):
        bound, by = release_time(task), None
        for p in task.predecessors:
            if earliest.get(p) is not None and earliest[p] + problem.task_by_id[p].duration > bound:
                bound, by = earliest[p] + problem.task_by_id[p].duration, p
        if task.lock.start is not None:
            if by is not None and task.lock.start < bound:
                out.append(Diagnosis(task.id, "lock_conflict",
                                     f"locked to start {hhmm(problem, task.lock.start)} but "
                                     f"'{problem.task_by_id[by].name}' (dependency) cannot end before {hhmm(problem, bound)}"))
                earliest[task.id] = None
                continue
            bound = task.lock.start
        earliest[task.id] = bound
    return out


def topological(problem: Problem, skip=()) -> list[Task]:
    """Tasks in dependency order, leaving out `skip` and anything on a cycle."""
    pending = {t.id: sum(1 for p in t.predecessors if p not in skip) for t in problem.tasks if t.id not in skip}
    successors: dict[str, list[str]] = {}
    for t in problem.tasks:
        for p in t.predecessors:
            successors.setdefault(p, []).append(t.id)
    ready = [tid for tid, n in pending.items() if n == 0]
    order = []
    while ready:
        tid = ready.pop()
        order.append(problem.task_by_id[tid])
        for s in successors.get(tid, []):
            if s in pending:
                pending[s] -= 1
                if pending[s] == 0:
                    ready.append(s)
    return order


def blocked_by(problem: Problem, diagnosed: set) -> list[Diagnosis]:
    """Tasks depending (directly or not) on a diagnosed task."""
    out, excluded = [], set(diagnosed)
    changed = True
    while changed:
        changed = False
        for task in problem.tasks:
            if task.id in excluded:
                continue
            blocker = next((p for p in task.predecessors if p in excluded), None)
            if blocker is not None:
                excluded.add(task.id)
                changed = True
                reason = next((d.message for d in out if d.task == blocker), None)
                blocker_task = problem.task_by_id[blocker]
                kind = "waiting_on_parts" if blocker_task.parts_ready == NO_ETA or (
                    reason and reason.startswith("waiting on parts")) else "blocked"
                message = (f"waiting on parts: depends on '{blocker_task.name}'" if kind == "waiting_on_parts"
                           else f"depends on '{blocker_task.name}', which cannot be scheduled")
                out.append(Diagnosis(task.id, kind, message))
    return out
