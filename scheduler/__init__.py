"""bayflow's scheduler: a pure CP-SAT core (no SQL, no HTTP).

    problem = scenario.load_file("shop.json")      # or build a Problem directly
    result = solve(problem, SolverParameters(time_limit_s=5))
    result.to_dict(problem)
    # after a change: the previous schedule (problem.previous) repaired and improved around it
    result = reoptimize(problem, [Change("'Replace pads' running 60 min over", tasks=frozenset({"t7"}))])
"""
from scheduler.problem import Change, Problem
from scheduler.reoptimize import ReoptimizeParameters, diff, reoptimize
from scheduler.result import Diagnosis, Moved, Result, ScheduledTask
from scheduler.solver import SolverParameters, solve

__all__ = ["Problem", "Result", "ScheduledTask", "Diagnosis", "SolverParameters", "solve",
           "Change", "Moved", "ReoptimizeParameters", "reoptimize", "diff"]
