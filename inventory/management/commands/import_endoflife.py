"""Import endoflife.date lifecycle data into the catalogue.

    manage.py import_endoflife --file ubuntu.json
    manage.py import_endoflife --file products-full.json --product windows-server
    manage.py import_endoflife --url https://endoflife.date/api/v1/products/ubuntu
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from inventory.services_lifecycle import catalogue_import_endoflife


class Command(BaseCommand):
    help = "Import endoflife.date data (API v0, v1 or the snapshot shape) from a local file or a URL."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--file", help="A JSON file downloaded from endoflife.date")
        source.add_argument("--url", help="An endoflife.date API URL (fetched with a timeout and a size cap)")
        parser.add_argument("--product", help="Product slug: names a v0 file's product, or picks one product")

    def handle(self, *args, file=None, url=None, product=None, **options):
        try:
            summary = catalogue_import_endoflife(path=file, url=url, product=product)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Imported {', '.join(summary['products'])}: {summary['products_created']} new products, "
            f"{summary['cycles_created']} new cycles, {summary['cycles_updated']} updated, "
            f"{summary['cycles_unchanged']} unchanged, {summary['cycles_skipped_manual']} kept (edited by hand)."))
