"""python manage.py load_demo [--with-agents] [--admin-password-file PATH]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from inventory.demo import AGENT_IPS, demo_estate_load, demo_users_ensure


class Command(BaseCommand):
    help = "Load (or bring up to date) a small demo council estate. Safe to run again: it changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--with-agents", action="store_true",
                            help="Give six devices primary IPs in 127.77.0.0/24, where the local demo SNMP agents "
                                 "answer, so a discovery of that range reconciles with them")
        parser.add_argument("--admin-password-file", type=Path, metavar="PATH",
                            help="Create or update users admin (superuser, Engineers) and viewer (Viewers); their "
                                 "generated password is written to PATH (reused if PATH already holds one)")

    def handle(self, *args, **options):
        result = demo_estate_load(with_agents=options["with_agents"])
        self.stdout.write(self.style.SUCCESS(f"Demo estate: {result}."))
        if options["with_agents"]:
            from discovery.demo import demo_discovery_load  # the discovery side of the demo

            demo_discovery_load()
            listing = ", ".join(f"{name} {ip}" for name, ip in sorted(AGENT_IPS.items(), key=lambda i: i[1]))
            self.stdout.write(f"Devices answering on loopback agents: {listing}.")
        from inventory.services_findings import findings_evaluate

        summary = findings_evaluate()  # so the demo shows what is unsupported or ageing straight away
        self.stdout.write(f"Lifecycle findings: {summary}.")
        from migration_plans.demo import demo_programme_load  # the programme side of the demo

        self.stdout.write(f"Demo programme: {demo_programme_load()}.")
        if options["admin_password_file"]:
            demo_users_ensure(password_file=options["admin_password_file"])
            # The password itself is never printed here: the run script shows the file once.
            self.stdout.write(f"Users admin and viewer are ready; password in {options['admin_password_file']}.")
