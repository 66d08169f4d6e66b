"""Bearer/Token authentication against hashed, expiring, optionally read-only API tokens."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from estate.context import audit_set_actor
from estate.models import Token, hash_token_key


class TokenAuthentication(authentication.BaseAuthentication):
    """Accepts `Authorization: Token <key>` or `Authorization: Bearer <key>`."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: expected 'Token <key>'.")
        try:
            key = parts[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header: the key must be ASCII.") from exc
        token = Token.objects.select_related("user").filter(key_hash=hash_token_key(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.is_expired:
            raise exceptions.AuthenticationFailed("Token expired.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive.")
        now = timezone.now()
        if token.last_used is None or (now - token.last_used).total_seconds() > 60:
            Token.objects.filter(pk=token.pk).update(last_used=now)  # at most once a minute: keep reads cheap
        audit_set_actor(token.user)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Token realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "estate.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Token <key>`"}
