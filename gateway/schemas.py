"""What the models must return: the enrichment and the task plan, as pydantic models.

`SCHEMA_VERSION` changes whenever a field changes; every call record carries it.
Bounds the JSON schema cannot carry to every provider (durations, dependencies,
the shop's skills) are checked by `gateway.checks`.
"""
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "2026-11-26.1"

Category = Literal[
    "maintenance", "brakes", "engine", "electrical", "diagnostics", "hvac",
    "transmission", "suspension", "tires", "hydraulics", "inspection", "other",
]
Urgency = Literal["low", "normal", "high", "critical"]
MIN_TASK_MINUTES = 5
MAX_TASK_MINUTES = 960
MAX_TASKS = 20


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Asset(_Strict):
    """Vehicle or equipment details as found in the text; null when the text does not say."""

    kind: Literal["car", "truck", "van", "motorcycle", "equipment", "other"] | None = Field(
        description="what the asset is; forklifts, excavators, loaders are equipment")
    make: str | None = Field(description="manufacturer, e.g. Toyota, Caterpillar")
    model: str | None = Field(description="model name, e.g. Corolla, 8FGU25")
    year: int | None = Field(ge=1950, le=2030, description="model year")
    vin: str | None = Field(description="vehicle identification number exactly as written")
    plate: str | None = Field(description="licence plate exactly as written")
    mileage: int | None = Field(ge=0, description="odometer reading or hour-meter reading")
    mileage_unit: Literal["mi", "km", "h"] | None = Field(description="unit of mileage; h for an hour meter")


class Enrichment(_Strict):
    category: Category = Field(description="main kind of work")
    urgency: Urgency = Field(description="critical: unsafe or stranded; high: soon; low: no rush")
    suggested_priority: int = Field(ge=1, le=5, description="1 = lowest, 5 = most urgent")
    asset: Asset
    summary: str = Field(description="one sentence describing the requested work")


class Part(_Strict):
    name: str = Field(min_length=1)
    qty: int = Field(ge=1, le=100)


class Task(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="short snake_case id, unique in the plan")
    name: str = Field(min_length=1, max_length=120)
    duration_min: int = Field(description=f"minutes of work, {MIN_TASK_MINUTES}..{MAX_TASK_MINUTES}")
    skill: str = Field(description="one of the shop's skills")
    bay_type: str | None = Field(description="one of the shop's bay types, or null when no bay is needed")
    parts: list[Part]
    depends_on: list[str] = Field(description="keys of tasks in this plan that must finish first")


class TaskPlan(_Strict):
    tasks: list[Task] = Field(min_length=1, max_length=MAX_TASKS)
