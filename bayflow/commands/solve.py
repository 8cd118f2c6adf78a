"""`bayflow solve SCENARIO.json` and `bayflow scenario generate`."""
import json
import sys
from pathlib import Path

from bayflow.cli import CommandError


def register(subparsers) -> None:
    solve = subparsers.add_parser("solve", help="schedule a scenario JSON file (construction, local search, CP-SAT)")
    solve.add_argument("scenario", help="scenario JSON (format: scheduler/README.md)")
    solve.add_argument("--time-limit", type=float, default=10.0, metavar="S", help="seconds (default 10)")
    solve.add_argument("--workers", type=int, default=2, metavar="N", help="CP-SAT workers (default 2)")
    solve.add_argument("--seed", type=int, default=0, help="CP-SAT random seed (default 0)")
    solve.add_argument("--out", metavar="FILE", help="write the full result JSON here (default: stdout)")
    solve.add_argument("--full", action="store_true",
                       help="with a previous_schedule: re-solve the whole shop from it (default: around the changes)")
    solve.add_argument("--frozen-minutes", type=int, default=0, metavar="M",
                       help="with a previous_schedule: tasks starting in the first M minutes move only if they must")
    solve.set_defaults(func=run_solve)

    scenario = subparsers.add_parser("scenario", help="scheduling scenarios")
    actions = scenario.add_subparsers(dest="action", required=True, metavar="ACTION")
    generate = actions.add_parser("generate", help="write a realistic random shop scenario")
    generate.add_argument("--tasks", type=int, required=True, metavar="N")
    generate.add_argument("--techs", type=int, required=True, metavar="T")
    generate.add_argument("--bays", type=int, required=True, metavar="B")
    generate.add_argument("--seed", type=int, default=0, metavar="S")
    generate.add_argument("--out", metavar="FILE", help="default: stdout")
    generate.set_defaults(func=run_generate)


def _write(data: dict, out: str | None) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if out:
        Path(out).write_text(text + "\n")
    else:
        print(text)


def run_solve(args) -> int:
    """A scenario with a `previous_schedule` is re-optimized from it (`scheduler.reoptimize`): around
    its `changes`, or around whatever differs from the previous schedule; otherwise solved afresh."""
    from scheduler import ReoptimizeParameters, SolverParameters, reoptimize, solve
    from scheduler.reoptimize import changes_from_previous
    from scheduler.scenario import ScenarioError, load_with_changes

    if args.time_limit <= 0:
        raise CommandError("--time-limit: must be > 0")
    if args.workers < 1:
        raise CommandError("--workers: must be >= 1")
    if args.frozen_minutes < 0:
        raise CommandError("--frozen-minutes: must be >= 0")
    try:
        problem, changes = load_with_changes(args.scenario)
    except ScenarioError as exc:
        raise CommandError(f"{args.scenario}: {exc}") from exc
    if problem.previous:
        changes = changes if changes is not None else changes_from_previous(problem)
        result = reoptimize(problem, changes, ReoptimizeParameters(
            frozen_until=args.frozen_minutes, time_limit_s=args.time_limit, full=args.full,
            num_workers=args.workers, random_seed=args.seed))
    else:
        result = solve(problem, SolverParameters(args.time_limit, args.workers, args.seed))
    summary = sys.stderr if not args.out else sys.stdout
    print(summary_text(result), file=summary)
    _write(result.to_dict(problem), args.out)
    return 0 if result.status in ("optimal", "feasible") else 1


def summary_text(result) -> str:
    gap = f"{result.gap:.1%}" if result.gap is not None else "-"
    lines = [f"status: {result.status}  objective: {result.objective}  bound: {result.best_bound}  gap: {gap}  "
             f"time: {result.solve_seconds:.2f}s  found by: {result.parameters.get('source')}  "
             f"(greedy baseline: {result.baseline_objective})"]
    for name, term in result.terms.items():
        lines.append(f"  {name:<11} {term.value:>10} x {term.weight:<3} = {term.weighted}")
    late = {wo: m for wo, m in result.lateness.items() if m}
    lines.append(f"scheduled {len(result.items)} tasks; unscheduled {len(result.unscheduled)}; "
                 f"late work orders {len(late)} of {len(result.lateness)}")
    for wo, minutes in sorted(late.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {wo}: {minutes} min late")
    for task, reasons in result.unscheduled.items():
        lines.append(f"  not scheduled {task}: {'; '.join(reasons)}")
    if result.moves is not None:
        lines.append(f"re-optimized ({result.parameters['source']}, {result.parameters['neighbourhood']} tasks freed, "
                     f"widened: {result.parameters['widened']}): {len(result.moves)} task(s) moved")
        lines += [f"  {m.task}: {m.reason}" for m in result.moves]
    return "\n".join(lines)


def run_generate(args) -> int:
    from scheduler.generate import generate
    from scheduler.scenario import to_dict

    for name in ("tasks", "techs", "bays"):
        if getattr(args, name) < 1:
            raise CommandError(f"--{name}: must be >= 1")
    _write(to_dict(generate(args.tasks, args.techs, args.bays, args.seed)), args.out)
    return 0
