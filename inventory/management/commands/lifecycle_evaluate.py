"""Recompute lifecycle findings now, in this process: manage.py lifecycle_evaluate [--as-of 2027-04-01]"""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand

from inventory.services_findings import findings_evaluate
from inventory.services_lifecycle import catalogue_sync_shipped


class Command(BaseCommand):
    help = "Recompute lifecycle findings for every device (optionally re-loading the shipped catalogue first)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date.fromisoformat, help="Evaluate as if today were this date")
        parser.add_argument("--sync", action="store_true", help="Load the shipped catalogue first")

    def handle(self, *args, as_of=None, sync=False, **options):
        if sync:
            self.stdout.write(json.dumps(catalogue_sync_shipped()))
        self.stdout.write(json.dumps(findings_evaluate(as_of=as_of)))
