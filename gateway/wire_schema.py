"""The JSON schema sent to providers in strict mode, derived from a pydantic model.

Strict mode on both providers wants every property required, no extra properties
and no `$ref`s they may not resolve; numeric and length limits are not enforced by
every provider, so they move into the description (pydantic still enforces them).
"""
from typing import Any

from pydantic import BaseModel

_LIMITS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
           "minLength", "maxLength", "pattern", "minItems", "maxItems")
_DROPPED = ("title", "default")


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    raw = model.model_json_schema()
    defs = raw.pop("$defs", {})
    return _strict(raw, defs)


def _strict(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_strict(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _strict(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    out: dict[str, Any] = {}
    limits = []
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key in _LIMITS:
            limits.append(f"{key} {value}")
            continue
        out[key] = _strict(value, defs)
    if limits:
        out["description"] = "; ".join(filter(None, [out.get("description"), *limits]))
    if out.get("type") == "object" and "properties" in out:
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out
