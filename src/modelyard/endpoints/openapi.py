"""An OpenAPI document for one endpoint's scoring route, generated from the model signature
(read from the ``MLmodel`` YAML only; nothing is unpickled)."""

from __future__ import annotations

from typing import Any

__all__ = ["scoring_openapi"]

_JSON_TYPES = {"double": "number", "float": "number", "long": "integer", "integer": "integer",
               "boolean": "boolean", "string": "string", "binary": "string", "datetime": "string"}


def scoring_openapi(descriptor: Any, *, title: str = "scoring", path: str = "/score") -> dict[str, Any]:
    """The OpenAPI 3 document of ``POST path`` for a model descriptor (or None)."""
    signature = getattr(descriptor, "signature", None)
    columns: list[dict[str, Any]] = []
    if signature is not None and not signature.is_tensor:
        columns = [{"name": s.name, "type": s.type, "required": s.required} for s in signature.inputs]
    row_items: dict[str, Any] = {"type": "array", "items": {}}
    if columns:
        row_items = {"type": "array", "minItems": len(columns), "maxItems": len(columns),
                     "items": {"oneOf": [{"type": t} for t in sorted({_JSON_TYPES[c["type"]] for c in columns})]}}
    input_data = {
        "type": "object", "required": ["columns", "data"],
        "properties": {
            "columns": {"type": "array", "items": {"type": "string"},
                        **({"example": [c["name"] for c in columns]} if columns else {})},
            "data": {"type": "array", "items": row_items},
        },
    }
    record = {"type": "object",
              "properties": {c["name"]: {"type": _JSON_TYPES[c["type"]], "nullable": not c["required"]} for c in columns},
              "required": [c["name"] for c in columns if c["required"]]}
    request = {"type": "object", "properties": {
        "input_data": input_data, "dataframe_split": input_data,
        "dataframe_records": {"type": "array", "items": record}, "inputs": {}, "instances": {}}}
    error = {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1"},
        "paths": {path: {"post": {
            "operationId": "score",
            "requestBody": {"required": True, "content": {"application/json": {"schema": request}}},
            "responses": {
                "200": {"description": "predictions", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"predictions": {"type": "array", "items": {}}}}}}},
                "400": {"description": "the input does not match the model signature",
                        "content": {"application/json": {"schema": error}}},
                "401": {"description": "missing or wrong endpoint key"},
                "413": {"description": "request body too large"},
            },
        }}},
        "x-modelyard-signature": {"columns": columns},
    }
