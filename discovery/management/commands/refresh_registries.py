"""python manage.py refresh_registries [--enterprises FILE] [--oui FILE]: regenerate discovery/data from the public
IANA enterprise-number and IEEE OUI registries (Debian: libwireshark-data, ieee-data)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from discovery.registry import DATA_DIR, DEFAULT_ENTERPRISES_SOURCE, DEFAULT_OUI_SOURCE, write_registries


class Command(BaseCommand):
    help = "Regenerate the IANA enterprise-number and IEEE OUI registries discovery uses to name makers."

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", default=DEFAULT_ENTERPRISES_SOURCE,
                            help="IANA enterprise numbers, '<number><TAB><name>' (wireshark's enterprises.tsv)")
        parser.add_argument("--oui", default=DEFAULT_OUI_SOURCE, help="IEEE MA-L list as CSV (ieee-data oui.csv)")
        parser.add_argument("--out", default=str(DATA_DIR), help="Directory to write the .tsv.gz files to")

    def handle(self, *args, **options):
        try:
            counts = write_registries(enterprises=options["enterprises"], oui=options["oui"], out=options["out"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"wrote {counts['enterprises']} enterprise numbers and {counts['oui']} OUIs")
