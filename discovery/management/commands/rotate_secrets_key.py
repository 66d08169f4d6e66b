"""python manage.py rotate_secrets_key: re-encrypt every credential with the first key of ESTATE_SECRETS_KEYS.

Put the new key first (keep the old one after it), run this, then remove the old key. See docs/deployment.md.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from discovery.secrets import SecretsError
from discovery.services import credential_secrets_rotate


class Command(BaseCommand):
    help = "Re-encrypt every credential's secrets with the first key of ESTATE_SECRETS_KEYS (all or nothing)."

    def handle(self, *args, **options):
        keys = settings.ESTATE_SECRETS_KEYS
        if not keys:
            raise CommandError("ESTATE_SECRETS_KEYS is not set: nothing to encrypt with.")
        try:
            count = credential_secrets_rotate()
        except SecretsError as exc:
            raise CommandError(f"Nothing was changed: {exc}.") from exc
        self.stdout.write(f"Re-encrypted the secrets of {count} credential{'s' if count != 1 else ''} with the "
                          f"first of {len(keys)} key{'s' if len(keys) != 1 else ''}.")
        if len(keys) > 1:
            self.stdout.write("Once every Estate process runs with the new key first, remove the old keys from "
                              "ESTATE_SECRETS_KEYS.")
