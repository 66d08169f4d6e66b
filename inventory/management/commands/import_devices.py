"""python manage.py import_devices FILE [--model devices|sites|hardware-models|applications] [--dry-run] ..."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from inventory.services_import import MODELS, import_apply, import_preview


class Command(BaseCommand):
    help = "Import devices (or sites, hardware models, applications) from a CSV or XLSX file. All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .csv or .xlsx file")
        parser.add_argument("--model", choices=list(MODELS), default="devices")
        parser.add_argument("--dry-run", action="store_true", help="Show what would happen; save nothing")
        parser.add_argument("--create-missing-sites", action="store_true")
        parser.add_argument("--skip-existing", action="store_true", help="Leave matching records alone")
        parser.add_argument("--mapping", action="append", default=[], metavar="HEADER=FIELD",
                            help="Map a column to a field (an empty field ignores the column); repeatable")
        parser.add_argument("--user", help="Username recorded as the actor in the audit history")
        parser.add_argument("--json", action="store_true", help="Print the preview as JSON")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        mapping = {}
        for item in options["mapping"]:
            header, sep, target = item.partition("=")
            if not sep:
                raise CommandError(f"--mapping {item!r}: use 'Header=field'.")
            mapping[header.strip()] = target.strip()
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        kwargs = {"data": path.read_bytes(), "filename": path.name, "model": options["model"],
                  "mapping": mapping or None, "on_existing": "skip" if options["skip_existing"] else "update",
                  "create_missing_sites": options["create_missing_sites"]}
        result = import_preview(**kwargs) if options["dry_run"] else import_apply(user=user, **kwargs)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), default=str))
        else:
            for column in result.as_dict()["columns"]:
                self.stdout.write(f"  {column['header']!r} -> {column['field'] or '(ignored)'}")
            for line in result.will_create_text():
                self.stdout.write(f"  This import {line}.")
            for note in result.notes:
                self.stdout.write(f"  {note}")
        if not result.is_valid or (not options["dry_run"] and not result.applied):
            for line in result.errors[:100]:
                self.stderr.write(line)
            raise CommandError(f"Nothing was imported: {len(result.errors)} problem(s).")
        c = result.counts
        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} {path.name}: {c['create']} create, {c['update']} update, {c['skip']} skip "
            f"(request id {result.request_id})."))
