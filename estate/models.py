"""Shared model bases and the API token."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class ChangeLoggedModel(models.Model):
    """Base for every inventory object: creation and update times. History itself lives in django-auditlog."""

    created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    # Name of the URL pattern prefix, e.g. "inventory:device" -> "inventory:device_detail".
    url_name: str = ""

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        return reverse(f"{self.url_name}_detail", kwargs={"pk": self.pk})


class PrimaryModel(ChangeLoggedModel):
    """A first-class object that people describe: free-text comments and tags."""

    description = models.CharField(max_length=200, blank=True)
    comments = models.TextField(blank=True)
    tags = models.ManyToManyField("inventory.Tag", blank=True, related_name="+")

    class Meta:
        abstract = True


TOKEN_PREFIX = "est_"


def hash_token_key(key: str) -> str:
    # Keys are 256-bit random values, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


class Token(models.Model):
    """An API token: a user's key for automation. Only a hash of the key is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False, help_text="First characters of the key, to tell it apart")
    description = models.CharField(max_length=200, blank=True)
    write_enabled = models.BooleanField(default=False, help_text="Read-only unless ticked")
    expires = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)

    url_name = "token"

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def generate_key() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()

    def get_absolute_url(self) -> str:
        return reverse("token_list")
