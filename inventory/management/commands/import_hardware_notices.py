"""Import a vendor end-of-sale / end-of-support CSV: manage.py import_hardware_notices notices.csv"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from inventory.services_lifecycle import hardware_notices_import_csv


class Command(BaseCommand):
    help = "Import vendor hardware notices (sets end of sale/support on hardware models); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV with manufacturer, model, end_of_sale, end_of_support, source")

    def handle(self, *args, path: str, **options):
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            summary = hardware_notices_import_csv(text=text)
        except ValidationError as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items())))
