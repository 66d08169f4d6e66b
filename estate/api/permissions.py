"""Django model permissions for every method (view included), and read-only tokens."""

from __future__ import annotations

from rest_framework import permissions

from estate.models import Token


class ModelPermissions(permissions.DjangoModelPermissions):
    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        if request.method not in permissions.SAFE_METHODS and isinstance(request.auth, Token):
            if not request.auth.write_enabled:
                self.message = "This token is read-only."
                return False
        extra = getattr(view, "extra_permissions", {}).get(getattr(view, "action", None))
        if extra and request.user and request.user.is_authenticated:
            return request.user.has_perms(extra)
        return super().has_permission(request, view)


class IsAuthenticatedWritableToken(permissions.IsAuthenticated):
    """For endpoints not tied to one model (search, status): logged in, and tokens only write when allowed."""

    def has_permission(self, request, view) -> bool:
        if request.method not in permissions.SAFE_METHODS and isinstance(request.auth, Token):
            if not request.auth.write_enabled:
                return False
        return super().has_permission(request, view)
