"""python manage.py discover TARGET... [--exclude X ...] [--port N] [--community C ...] [--credential-set NAME]
[--user NAME] [--trust-new-host-keys] [--site SLUG] [--dry-run] [--json]"""

from __future__ import annotations

import json
import sys
import threading

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from discovery.choices import DiscoveryModeChoices
from discovery.collectors.snmp import SnmpV2cCredential
from discovery.jobs import EPHEMERAL_CREDENTIALS
from discovery.management.cli import cli_progress, cli_site
from discovery.models import CredentialSet, DiscoveryRun
from discovery.services import discovery_run_start
from estate.jobs import job_execute
from estate.models import Job


class Command(BaseCommand):
    help = "Discover hosts over SNMP and SSH now, and reconcile them with the inventory."

    def add_arguments(self, parser):
        parser.add_argument("targets", nargs="+", help="Addresses, ranges (a-b), CIDRs or names; optionally :port")
        parser.add_argument("--exclude", action="append", default=[], dest="exclusions",
                            help="Address, range, CIDR or name never to contact (repeatable)")
        parser.add_argument("--port", type=int, help="Port for every target without its own (SNMP and SSH)")
        parser.add_argument("--community", action="append", default=[],
                            help="SNMP v2c community to try (repeatable); used for this run only, never stored")
        parser.add_argument("--credential-set", action="append", default=[], dest="credential_sets",
                            help="Stored credential set to try, by name (repeatable)")
        parser.add_argument("--user", help="Run as this user: their right to use the credential sets is checked and "
                                           "the run is theirs in the history")
        parser.add_argument("--trust-new-host-keys", action="store_true", dest="allow_tofu",
                            help="Offer SSH credentials to hosts whose key was never recorded, and record it")
        parser.add_argument("--site", help="Site slug the hosts belong to (default: the only site, or 'discovered')")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing")
        parser.add_argument("--json", action="store_true", help="Print one JSON document describing every host")
        parser.add_argument("--quick", action="store_true",
                            help="Identification sweep only (system group and chassis over SNMP): fast, for big ranges")

    def handle(self, *args, **options):
        site = cli_site(options["site"])
        credential_sets = []
        for name in options["credential_sets"]:
            cset = CredentialSet.objects.filter(name=name).first()
            if cset is None:
                raise CommandError(f"No credential set called {name!r}.")
            credential_sets.append(cset)
        if not credential_sets and not options["community"]:
            raise CommandError("Give at least one --community or --credential-set.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"No active user called {options['user']!r}.")
        try:
            with transaction.atomic():
                run = discovery_run_start(
                    site=site, targets="\n".join(options["targets"]), exclusions="\n".join(options["exclusions"]),
                    credential_sets=credential_sets, port=options["port"], dry_run=options["dry_run"],
                    allow_tofu=options["allow_tofu"], user=user, started_by=f"cli:{user}" if user else "cli",
                    queue="cli",
                    mode=DiscoveryModeChoices.IDENTIFY if options["quick"] else DiscoveryModeChoices.INVENTORY,
                )
                # Ephemeral communities: in this process's memory only, consumed by the job when it starts. Set
                # before the commit: the "eager" backend runs the job as the transaction commits.
                EPHEMERAL_CREDENTIALS[run.job_id] = [SnmpV2cCredential(id=0, community=c)
                                                     for c in options["community"]]
        except ValidationError as exc:
            raise CommandError("; ".join(m for msgs in exc.message_dict.values() for m in msgs)) from exc
        worker = threading.Thread(target=job_execute, args=(run.job_id,), name=f"discover-{run.job_id}")
        worker.start()
        cli_progress(run.job_id, worker, "hosts")
        worker.join()
        job = Job.objects.get(pk=run.job_id)
        run = DiscoveryRun.objects.get(pk=run.pk)
        if options["json"]:
            document = {
                "run": run.pk, "job": job.pk, "status": job.status, "dry_run": run.dry_run, "site": site.slug,
                "summary": run.summary, "error": job.error.splitlines()[0] if job.error else None,
                "hosts": [
                    {k: h.get(k) for k in ("address", "device_id", "name", "kind", "manufacturer", "model",
                                           "platform", "version", "serial", "action")}
                    for h in (job.result or {}).get("hosts", [])
                ],
            }
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            for h in (job.result or {}).get("hosts", []):
                self.stdout.write(f"{h['address']:<16} {h['action']:<10} {h.get('name') or '':<30} "
                                  f"{h.get('kind') or '':<14} {h.get('manufacturer') or ''} {h.get('model') or ''} "
                                  f"{h.get('platform') or ''} {h.get('version') or ''}")
            self.stdout.write(f"Run #{run.pk}: {job.status}. " + ", ".join(f"{n} {k}" for k, n in run.summary.items()))
        if job.status not in ("completed",):
            self.stderr.write(f"Discovery {job.status}: {job.error.splitlines()[0] if job.error else ''}")
            sys.exit(1)
