"""Planning without a model: match a description against the shop's canned jobs.

Each job lists alias phrases. Every alias occurrence in the description is a
candidate; the longest candidates claim their words first (so "brake pads and
rotors" beats "brake pads"), and every job that claims words joins the plan in the
order of its first mention, unless another joining job supersedes it (pads and
rotors include the pads). Deterministic: ties go to the earlier position, then the
job id.
"""
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from gateway.schemas import Category, Task, TaskPlan

_WORD = re.compile(r"[a-z0-9]+")


class CannedJob(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    category: Category
    aliases: tuple[str, ...]
    supersedes: tuple[str, ...] = ()
    tasks: tuple[Task, ...]


@dataclass(frozen=True)
class CannedMatch:
    jobs: tuple[CannedJob, ...]
    plan: TaskPlan

    @property
    def source(self) -> str:
        return "canned:" + "+".join(job.id for job in self.jobs)


def words(text: str) -> list[str]:
    """Lower-case words with a plural -s dropped, the unit both aliases and descriptions are compared in."""
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in _WORD.findall(text.lower().replace("'", ""))]


class Catalogue:
    """The canned jobs, with their alias phrases indexed by first word for matching."""

    def __init__(self, jobs: tuple[CannedJob, ...]) -> None:
        self.jobs = jobs
        self.index: dict[str, list[tuple[list[str], CannedJob]]] = {}
        for job in jobs:
            for alias in job.aliases:
                phrase = words(alias)
                if phrase:
                    self.index.setdefault(phrase[0], []).append((phrase, job))

    def __iter__(self):
        return iter(self.jobs)

    def __len__(self) -> int:
        return len(self.jobs)


def load_canned_jobs(path: Path) -> Catalogue:
    data = json.loads(Path(path).read_text())
    return Catalogue(tuple(CannedJob.model_validate(job) for job in data["jobs"]))


def match_canned_jobs(description: str, catalogue: Catalogue) -> CannedMatch | None:
    text = words(description)
    candidates = []  # (-length, start, job id, job)
    for start, word in enumerate(text):
        for phrase, job in catalogue.index.get(word, ()):
            if text[start:start + len(phrase)] == phrase:
                candidates.append((-len(phrase), start, job.id, job))
    claimed: set[int] = set()
    first_mention: dict[str, tuple[int, CannedJob]] = {}
    for neg_len, start, job_id, job in sorted(candidates, key=lambda c: c[:3]):
        span = set(range(start, start - neg_len))
        if span & claimed:
            continue
        claimed |= span
        if job_id not in first_mention or start < first_mention[job_id][0]:
            first_mention[job_id] = (start, job)
    superseded = {other for _, job in first_mention.values() for other in job.supersedes}
    chosen = tuple(job for _, job in sorted(first_mention.values(), key=lambda sj: (sj[0], sj[1].id))
                   if job.id not in superseded)
    if not chosen:
        return None
    return CannedMatch(jobs=chosen, plan=_combine(chosen))


def _combine(jobs: tuple[CannedJob, ...]) -> TaskPlan:
    """One plan from several jobs; a task key already taken gets the job id as prefix."""
    used: set[str] = set()
    tasks: list[Task] = []
    for job in jobs:
        renamed = {t.key: (t.key if t.key not in used else f"{job.id}_{t.key}"[:40]) for t in job.tasks}
        for t in job.tasks:
            tasks.append(t.model_copy(update={"key": renamed[t.key],
                                              "depends_on": [renamed[d] for d in t.depends_on]}))
        used |= set(renamed.values())
    return TaskPlan(tasks=tasks)
