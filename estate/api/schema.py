"""OpenAPI post-processing: every operation documents the errors the API can answer with, in its one JSON shape.

Any operation can answer 401 (no or bad credentials), 403 (no permission, read-only token), 404 (unknown id, or a
filter naming one), 400 (a malformed parameter or body) and 429 (throttled, estate.throttling); one with a request
body can also answer 413 (estate.middleware.ApiJsonErrorsMiddleware). Responses an operation documents itself are
kept as they are.
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every API error: the HTTP status, a short code, a message for people, and the details.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "detail": {"description": "Per-field messages (an object, or a list of them for a POSTed list)"},
                "request_id": {"type": "string"},
            },
            "required": ["status", "code", "message", "detail"],
        },
    },
    "required": ["error"],
}
ERRORS = {
    "400": "The request is malformed or invalid; nothing was changed.",
    "401": "No credentials, or a bad or expired token.",
    "403": "Not allowed: a missing permission, or a read-only token.",
    "404": "No such object (or one the filters name does not exist).",
    "429": "Too many requests (failed logins or bad tokens from this address): wait for Retry-After seconds.",
}
BODY_ERRORS = {"413": "The request body is too large."}


def add_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: add the error responses to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            errors = ERRORS | (BODY_ERRORS if method in ("put", "post", "patch") else {})
            for status_code, description in errors.items():
                responses.setdefault(status_code, {"description": description, "content": reference})
    return result
