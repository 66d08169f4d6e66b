"""Request id + audit context; login required everywhere except login, health and static files; security headers;
JSON errors everywhere under /api/."""

from __future__ import annotations

import re
from http import HTTPStatus

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import JsonResponse

from estate.api.exceptions import error_body
from estate.context import audit_context, new_request_id

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestContextMiddleware:
    """Give every request an id (X-Request-ID, or a new one) and open the audit context for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _SAFE_REQUEST_ID.match(incoming) else new_request_id()
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        with audit_context(actor=actor, request_id=request.id, remote_addr=request.META.get("REMOTE_ADDR")):
            response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's login-required middleware, leaving /api/ to DRF (which answers 401/403 instead of redirecting)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/") or request.path_info.startswith(settings.STATIC_URL):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


# Scripts only from our own (vendored) files, never inline; inline style attributes stay (progress bars, the API
# docs' own styles). Frames, plugins and other origins: none.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
    "font-src 'self' data:", "connect-src 'self'", "worker-src 'self' blob:", "object-src 'none'",
    "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
])
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer", "microphone",
    "payment", "usb"))


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response; `Cache-Control: no-store` on the API and on
    every page a logged-in user sees (shared computers, back button after logout). Static files are answered by
    WhiteNoise before this runs, so they stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if request.path_info.startswith("/api/") or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store"
        return response


class ApiJsonErrorsMiddleware:
    """Under /api/, every error is the API's JSON error body: unknown paths (Django's 404), method errors and
    oversized bodies included, not Django's HTML pages. A body larger than ESTATE_API_MAX_BODY_BYTES is refused
    (413) before anything reads it: DRF's JSON parser would read any size into memory."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._error(request, 400, "Content-Length is not a number.")
        if length > settings.ESTATE_API_MAX_BODY_BYTES:
            limit = settings.ESTATE_API_MAX_BODY_BYTES // (1024 * 1024)
            return self._error(request, 413, f"The request body is too large: the limit is {limit} MB.")
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            allow = response.get("Allow")
            response = self._error(request, response.status_code)
            if allow:
                response["Allow"] = allow
        return response

    @staticmethod
    def _error(request, status_code: int, message: str = "") -> JsonResponse:
        phrase = HTTPStatus(status_code).phrase if status_code in HTTPStatus._value2member_map_ else "Error"
        code = {400: "parse_error", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            status_code, "error")
        body = error_body(status_code=status_code, code=code, message=message or f"{phrase}.", request=request)
        return JsonResponse(body, status=status_code)
