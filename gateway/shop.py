"""The gateway's inputs: the work order being planned and what the shop can do."""
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkOrder:
    """A work order as the gateway sees it; the known PII fields drive redaction."""

    description: str
    id: str | None = None
    customer_name: str | None = None
    phone: str | None = None
    email: str | None = None
    vin: str | None = None
    plate: str | None = None


@dataclass(frozen=True)
class Shop:
    """Skill and bay-type names that exist in the shop; plans may use only these."""

    skills: frozenset[str]
    bay_types: frozenset[str]
