"""python manage.py generate_secrets_key: print a new key for ESTATE_SECRETS_KEYS (see docs/deployment.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from discovery.secrets import generate_key


class Command(BaseCommand):
    help = "Print a new Fernet key for ESTATE_SECRETS_KEYS (credential secrets at rest)."

    def handle(self, *args, **options):
        self.stdout.write(generate_key())
