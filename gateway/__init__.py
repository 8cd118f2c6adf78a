"""bayflow's LLM gateway: enrich work orders and plan their tasks.

Pure: no SQL, no HTTP server. It calls the provider SDKs and returns an `Outcome`
(validated result or review reasons, its source, and one `CallRecord` per call);
the pipeline step stores them.
"""
from gateway.config import GatewayConfig
from gateway.deadline import Deadline
from gateway.operations import enrich, plan_tasks
from gateway.outcome import CallRecord, Outcome
from gateway.schemas import SCHEMA_VERSION, Asset, Enrichment, Part, Task, TaskPlan
from gateway.shop import Shop, WorkOrder

__all__ = ["GatewayConfig", "Deadline", "enrich", "plan_tasks", "CallRecord", "Outcome", "SCHEMA_VERSION", "Asset",
           "Enrichment", "Part", "Task", "TaskPlan", "Shop", "WorkOrder"]
