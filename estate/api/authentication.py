"""Bearer/Token authentication against hashed, expiring, optionally read-only API tokens."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from estate.context import audit_set_actor
from estate.models import Token, hash_token_key
from estate.services import token_touch
from estate.throttling import bad_token_check, bad_token_record


class TokenAuthentication(authentication.BaseAuthentication):
    """Accepts `Authorization: Token <key>` or `Authorization: Bearer <key>`."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: expected 'Token <key>'.")
        bad_token_check(request)  # 429 for an address that keeps sending bad tokens
        try:
            key = parts[1].decode()
        except UnicodeDecodeError as exc:
            bad_token_record(request)
            raise exceptions.AuthenticationFailed("Invalid token header: the key must be ASCII.") from exc
        token = Token.objects.select_related("user").filter(key_hash=hash_token_key(key)).first()
        problem = ("Invalid token." if token is None else "Token expired." if token.is_expired
                   else "User inactive." if not token.user.is_active else "")
        if problem:
            bad_token_record(request)
            raise exceptions.AuthenticationFailed(problem)
        token_touch(token=token)  # at most once a minute, and it never fails the request
        audit_set_actor(token.user)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Token realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "estate.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Token <key>`"}
