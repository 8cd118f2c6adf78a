"""The status document of an import (`GET /v1/imports/{id}`) from its `public.imports` row:
status, progress counts, errors (line, column, message) and warnings."""
import json


def status_document(row: dict) -> dict:
    """GET /v1/imports/{id}: status, progress counts, errors (line, column, message), warnings."""
    return {
        "id": str(row["id"]),
        "filename": row["filename"],
        "source": row["source"],
        "mode": row["mode"],
        "status": row["status"],
        "rows": {"total": row["rows_total"], "invalid": row["rows_invalid"]},
        "work_orders": {"total": row["work_orders_total"], "written": row["work_orders_written"],
                        "created": row["work_orders_created"], "updated": row["work_orders_updated"],
                        "unchanged": row["work_orders_unchanged"], "failed": row["work_orders_failed"]},
        "error_count": row["error_count"],
        "errors": _json(row["errors"]),
        "warnings": _json(row["warnings"]),
        "created_by": str(row["created_by"]) if row["created_by"] else None,
        "created_at": row["created_at"].isoformat(),
        "started_at": row["started_at"].isoformat() if row["started_at"] else None,
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
    }


def _json(value):
    return json.loads(value) if isinstance(value, str) else value
