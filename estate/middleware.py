"""Request id + audit context, and login required everywhere except login, health and static files."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware

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
