"""Every API error has the same JSON body: {"error": {"status", "code", "message", "detail"}}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, IntegrityError):
        # A race lost against a unique constraint: report it like a validation error, not a 500.
        exc = exceptions.ValidationError({"non_field_errors": ["This conflicts with an existing object."]})
    elif isinstance(exc, DataError):
        # A value the database cannot hold (an out-of-range date or offset, a NUL byte): the caller's input.
        exc = exceptions.ValidationError({"non_field_errors": ["A value is out of range or not allowed."]})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else code
    message = detail.get("detail") if isinstance(detail, dict) and "detail" in detail else _summary(detail)
    body = {"error": {"status": response.status_code, "code": code, "message": str(message), "detail": detail}}
    request = context.get("request")
    if request is not None and getattr(request, "id", None):
        body["error"]["request_id"] = request.id
    return Response(body, status=response.status_code, headers=_headers(response))


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def error_body(*, status_code: int, code: str, message: str, detail=None, request=None) -> dict:
    """The JSON error body, for errors raised outside DRF (unknown /api/ paths, method errors, huge bodies)."""
    body = {"error": {"status": status_code, "code": code, "message": message,
                      "detail": detail if detail is not None else {"detail": message}}}
    if request is not None and getattr(request, "id", None):
        body["error"]["request_id"] = request.id
    return body


def _summary(detail) -> str:
    if isinstance(detail, dict):
        field, errors = next(iter(detail.items()), ("", ""))
        first = errors[0] if isinstance(errors, list) and errors else errors
        return f"{field}: {first}" if field not in ("non_field_errors", "") else str(first)
    if isinstance(detail, list) and detail:
        return _summary(detail[0]) if isinstance(detail[0], dict) else str(detail[0])
    return "Invalid request."


def _headers(response) -> dict:
    return {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}


def validation_error_response(detail: dict) -> Response:
    return Response(
        {"error": {"status": 400, "code": "invalid", "message": _summary(detail), "detail": detail}},
        status=status.HTTP_400_BAD_REQUEST,
    )
