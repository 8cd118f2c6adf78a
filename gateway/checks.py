"""Cross-field rules the JSON schema cannot express; each returns readable error strings."""
from gateway.schemas import MAX_TASK_MINUTES, MIN_TASK_MINUTES, TaskPlan
from gateway.shop import Shop


def plan_errors(plan: TaskPlan, shop: Shop) -> list[str]:
    errors: list[str] = []
    keys = [t.key for t in plan.tasks]
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            errors.append(f"task key {key!r} is used more than once")
        seen.add(key)
    for task in plan.tasks:
        where = f"task {task.key!r}"
        if not MIN_TASK_MINUTES <= task.duration_min <= MAX_TASK_MINUTES:
            errors.append(f"{where}: duration_min {task.duration_min} is outside "
                          f"{MIN_TASK_MINUTES}..{MAX_TASK_MINUTES}")
        if task.skill not in shop.skills:
            errors.append(f"{where}: skill {task.skill!r} is not one of {sorted(shop.skills)}")
        if task.bay_type is not None and task.bay_type not in shop.bay_types:
            errors.append(f"{where}: bay_type {task.bay_type!r} is not one of {sorted(shop.bay_types)} or null")
        for dep in task.depends_on:
            if dep == task.key:
                errors.append(f"{where} depends on itself")
            elif dep not in seen:
                errors.append(f"{where} depends on {dep!r}, which is not a task of this plan")
    cycle = _cycle(plan)
    if cycle:
        errors.append("dependencies form a cycle: " + " -> ".join(cycle))
    return errors


def _cycle(plan: TaskPlan) -> list[str] | None:
    """One dependency cycle (as a key path) if there is any, else None."""
    deps = {t.key: [d for d in t.depends_on if d != t.key] for t in plan.tasks}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(key: str) -> list[str] | None:
        state[key] = 1
        path.append(key)
        for dep in deps.get(key, ()):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep in deps and dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[key] = 2
        return None

    for key in deps:
        if key not in state:
            found = visit(key)
            if found:
                return found
    return None
