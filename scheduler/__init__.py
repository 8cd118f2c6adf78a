"""bayflow's scheduler: a pure CP-SAT core (no SQL, no HTTP).

    problem = scenario.load_file("shop.json")      # or build a Problem directly
    result = solve(problem, SolverParameters(time_limit_s=5))
    result.to_dict(problem)
"""
from scheduler.problem import Problem
from scheduler.result import Diagnosis, Result, ScheduledTask
from scheduler.solver import SolverParameters, solve

__all__ = ["Problem", "Result", "ScheduledTask", "Diagnosis", "SolverParameters", "solve"]
