"""Prompt files (`prompts/<name>.md`): loaded once, identified by name and content hash."""
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Prompt:
    name: str  # e.g. "plan_tasks.v1"
    template: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.template.encode()).hexdigest()[:16]

    def render(self, **values: str) -> str:
        text = self.template
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        return text


@lru_cache(maxsize=32)
def load_prompt(directory: Path, name: str) -> Prompt:
    path = Path(directory) / f"{name}.md"
    return Prompt(name=name, template=path.read_text())
