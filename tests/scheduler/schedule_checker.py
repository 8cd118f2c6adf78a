"""An independent checker of hard constraints, written from the issue text, not from the model."""
from scheduler.problem import NO_ETA, Problem


def violations(problem: Problem, placed: dict, unscheduled: set) -> list[str]:
    """Every hard constraint the schedule breaks. `placed`: task id -> object with
    technician, bay, start, end; `unscheduled`: ids the result reports as not scheduled."""
    found = []
    tasks = {t.id: t for t in problem.tasks}
    techs = {t.id: t for t in problem.technicians}
    bays = {b.id: b for b in problem.bays}
    for tid in set(tasks) - set(placed) - unscheduled:
        found.append(f"{tid}: neither scheduled nor reported")
    for tid in set(placed) & unscheduled:
        found.append(f"{tid}: scheduled and reported unscheduled")
    for tid, a in placed.items():
        t = tasks[tid]
        if a.end - a.start != t.duration:
            found.append(f"{tid}: lasts {a.end - a.start}, not {t.duration}")
        if a.start < 0 or a.end > problem.horizon:
            found.append(f"{tid}: outside the horizon")
        tech = techs[a.technician]
        if t.skill is not None and t.skill not in tech.skills:
            found.append(f"{tid}: {tech.id} lacks {t.skill}")
        if tech.availability is not None and not any(w.start <= a.start and a.end <= w.end for w in tech.availability):
            found.append(f"{tid}: not inside one availability window of {tech.id}")
        for off in tech.time_off:
            if a.start < off.end and off.start < a.end:
                found.append(f"{tid}: during time off of {tech.id}")
        if t.bay_type is None:
            if a.bay is not None:
                found.append(f"{tid}: needs no bay but got {a.bay}")
        else:
            bay = bays.get(a.bay)
            if bay is None or bay.type != t.bay_type:
                found.append(f"{tid}: bay {a.bay} is not a {t.bay_type}")
            else:
                for down in bay.downtime:
                    if a.start < down.end and down.start < a.end:
                        found.append(f"{tid}: bay {bay.id} is down")
        if t.parts_ready == NO_ETA:
            found.append(f"{tid}: scheduled though its parts have no ETA")
        elif t.parts_ready is not None and a.start < t.parts_ready:
            found.append(f"{tid}: starts {a.start} before parts {t.parts_ready}")
        for p in t.predecessors:
            if p not in placed:
                found.append(f"{tid}: scheduled though predecessor {p} is not")
            elif placed[p].end > a.start:
                found.append(f"{tid}: starts before predecessor {p} ends")
        lock = t.lock
        if lock.start is not None and a.start != lock.start:
            found.append(f"{tid}: locked start {lock.start} moved to {a.start}")
        if lock.technician is not None and a.technician != lock.technician:
            found.append(f"{tid}: locked technician changed")
        if lock.bay is not None and a.bay != lock.bay:
            found.append(f"{tid}: locked bay changed")
    for key in ("technician", "bay"):
        by_resource = {}
        for tid, a in placed.items():
            if getattr(a, key) is not None:
                by_resource.setdefault(getattr(a, key), []).append(a)
        for resource, items in by_resource.items():
            items.sort(key=lambda a: a.start)
            for x, y in zip(items, items[1:]):
                if y.start < x.end:
                    found.append(f"{key} {resource}: {x.task} and {y.task} overlap")
    return found
