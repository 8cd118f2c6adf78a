"""A realistic random shop (seeded, reproducible) for tests, demos and benchmarks."""
import math
import random
from datetime import datetime, timezone

from scheduler.problem import NO_ETA, Bay, Problem, Task, Technician, Window, WorkOrder, subtract

SKILLS = ["general", "brakes", "electrical", "diagnostics", "engine"]
SKILL_MIX = [0.35, 0.2, 0.15, 0.15, 0.15]
BAY_TYPES = ["lift", "alignment", "wash"]
JOBS = ["Inspect", "Drain oil", "Replace filter", "Replace pads", "Bleed brakes", "Scan codes", "Replace sensor",
        "Test drive", "Rotate tyres", "Align wheels", "Replace battery", "Repair wiring", "Replace belt", "Wash"]
NAMES = ["Ana", "Ben", "Chloé", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Mo", "Nia", "Oz",
         "Pia", "Raj", "Sam", "Tia", "Uma", "Vic", "Wes", "Xia", "Yan", "Zoe"]
DAY, SHIFT = 1440, 480


def generate(tasks: int, techs: int, bays: int, seed: int = 0) -> Problem:
    rng = random.Random(seed)
    technicians = []
    for i in range(techs):
        extra = rng.sample(SKILLS[1:], rng.randint(1, 3))
        technicians.append((f"T{i + 1}", NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else str(i // len(NAMES))),
                            frozenset(["general", *extra])))
    bay_types = ["lift"] + [rng.choices(BAY_TYPES, [0.7, 0.15, 0.15])[0] for _ in range(bays - 1)]
    # Guarantee every task's skill and bay type exist in the shop.
    skills_present = set().union(*(t[2] for t in technicians))
    types_present = set(bay_types)

    work_orders, task_list, total = [], [], 0
    while len(task_list) < tasks:
        wo_id = f"WO{len(work_orders) + 1}"
        size = min(rng.randint(1, 6), tasks - len(task_list))
        chain = []
        for k in range(size):
            skill = rng.choices(SKILLS, SKILL_MIX)[0]
            skill = skill if skill in skills_present else "general"
            bay_type = rng.choices(["lift", "alignment", "wash", None], [0.6, 0.1, 0.1, 0.2])[0]
            bay_type = bay_type if bay_type in types_present or bay_type is None else "lift"
            duration = 15 * rng.randint(1, 12)
            deps = ()
            if chain:
                deps = (chain[-1].id,) if rng.random() < 0.8 or len(chain) == 1 else (chain[-2].id,)
            tid = f"{wo_id}-{k + 1}"
            chain.append(Task(tid, rng.choice(JOBS), wo_id, duration, skill, bay_type, None, deps))
            total += duration
        task_list.extend(chain)
        work_orders.append((wo_id, chain))

    capacity = min(techs, bays / 0.8) * SHIFT * 0.6
    days = max(3, math.ceil(total / capacity) + 2)
    horizon = days * DAY
    start = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)  # a Monday, 08:00

    techs_out = []
    for tid, name, skills in technicians:
        offset = rng.choice([0, 0, 0, 120])  # most start at 08:00, some at 10:00
        shifts = [Window(d * DAY + offset, d * DAY + offset + SHIFT) for d in range(days)]
        time_off = ()
        if rng.random() < 0.2:
            d = rng.randrange(days)
            time_off = (Window(d * DAY + offset, d * DAY + offset + 240),)
        techs_out.append(Technician(tid, name, skills, subtract(shifts, time_off), time_off))
    bays_out = []
    for i, bay_type in enumerate(bay_types):
        downtime = ()
        if rng.random() < 0.3:
            d = rng.randrange(days)
            at = d * DAY + 60 * rng.randint(0, 6)
            downtime = (Window(at, at + 120),)
        bays_out.append(Bay(f"B{i + 1}", f"{bay_type.capitalize()} {i + 1}", bay_type, downtime))

    tasks_out, wos_out = [], []
    span = horizon - 2 * DAY
    for wo_id, chain in work_orders:
        arrival = rng.randrange(0, max(1, span // 2))
        work = sum(t.duration for t in chain)
        due = arrival + int(work * rng.uniform(2, 6)) + rng.choice([0, DAY, 2 * DAY])
        wos_out.append(WorkOrder(wo_id, min(due, horizon), rng.choices([1, 2, 3, 5], [0.5, 0.25, 0.15, 0.1])[0]))
        for t in chain:
            roll = rng.random()
            parts = None
            if roll < 0.03:
                parts = NO_ETA
            elif roll < 0.25:
                parts = arrival + 30 * rng.randint(1, 48)
            tasks_out.append(Task(t.id, t.name, t.work_order, t.duration, t.skill, t.bay_type, parts, t.predecessors))
    return Problem(start, horizon, techs_out, bays_out, wos_out, tasks_out)


def overloaded(tasks: int, techs: int, bays: int, load: float, seed: int = 0) -> Problem:
    """`generate`'s shop with its horizon cut so that its work is `load` times the minutes its
    technicians are available in it (1.5: half as much work again as fits)."""
    shop = generate(tasks, techs, bays, seed)
    needed = sum(t.duration for t in shop.tasks) / load
    ends = sorted(w.end for tech in shop.technicians for w in tech.availability)
    horizon = shop.horizon
    for end in ends:  # the first window end by which the technicians have `needed` minutes
        if sum(max(0, min(w.end, end) - w.start) for tech in shop.technicians for w in tech.availability) >= needed:
            horizon = end
            break
    return Problem(shop.horizon_start, horizon, shop.technicians, shop.bays, shop.work_orders, shop.tasks)
