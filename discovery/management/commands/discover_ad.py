"""python manage.py discover_ad --server ldap://HOST:PORT --bind-user USER --password-file FILE --base-dn DN
[--filter F] [--site SLUG] [--ca-file FILE] [--tls-server-name NAME] [--no-tls] [--dry-run] [--json]
python manage.py discover_ad --source NAME [--dry-run] [--json]"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from discovery.collectors.ldap import LdapSettings, filter_error, url_error
from discovery.jobs_directory import EPHEMERAL_SOURCES
from discovery.management.cli import cli_progress, cli_site
from discovery.models_directory import DirectorySource
from discovery.services_directory import SYNC_KIND, directory_sync_start
from estate.jobs import job_enqueue, job_execute
from estate.models import Job


class Command(BaseCommand):
    help = "Read computers from Active Directory (LDAP) now, and reconcile them with the inventory."

    def add_arguments(self, parser):
        parser.add_argument("--source", help="A stored directory source, by name")
        parser.add_argument("--server", action="append", default=[], help="ldap://HOST[:PORT] (StartTLS) or "
                                                                          "ldaps://HOST[:PORT]; repeatable")
        parser.add_argument("--bind-user", help="svc-estate@council.local, DOMAIN\\user or a DN")
        parser.add_argument("--password-file", help="File holding the bind password (first line); never an argument")
        parser.add_argument("--base-dn", action="append", default=[], help="Where to look; repeatable")
        parser.add_argument("--filter", default="", help="Extra LDAP filter, ANDed with (objectCategory=computer)")
        parser.add_argument("--site", help="Site slug for the computers (default: the only site, or 'discovered')")
        parser.add_argument("--ca-file", help="PEM CA bundle to verify the server's certificate with")
        parser.add_argument("--tls-server-name", help="The name in the certificate, when --server uses an address")
        parser.add_argument("--no-tls", action="store_true",
                            help="Plain simple bind over ldap:// (labs and tests only: the password is sent in clear)")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing")
        parser.add_argument("--json", action="store_true", help="Print one JSON document describing every computer")

    def handle(self, *args, **options):
        if options["source"]:
            job = self._stored(options)
        else:
            job = self._ad_hoc(options)
        worker = threading.Thread(target=job_execute, args=(job.pk,), name=f"discover-ad-{job.pk}")
        worker.start()
        cli_progress(job.pk, worker, "computers")
        worker.join()
        job = Job.objects.get(pk=job.pk)
        result = job.result or {}
        summary = result.get("summary") or {}
        error = job.error.splitlines()[0] if job.error else None
        if options["json"]:
            document = {"job": job.pk, "status": job.status, "dry_run": options["dry_run"],
                        "source": options["source"], "summary": summary, "error": error,
                        "computers": result.get("hosts", [])}
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            for h in result.get("hosts", []):
                self.stdout.write(f"{h['name']:<20} {h['action']:<10} {h.get('kind') or '':<8} "
                                  f"{h.get('release') or h.get('platform') or '':<40} "
                                  f"{'disabled ' if h.get('disabled') else ''}{h.get('last_logon') or ''}")
            self.stdout.write(f"Job #{job.pk}: {job.status}. " + ", ".join(f"{n} {k}" for k, n in summary.items()))
        if job.status != "completed":
            self.stderr.write(f"Directory sync {job.status}: {error or ''}")
            sys.exit(1)

    def _stored(self, options) -> Job:
        extra = [name for name in ("server", "base_dn") if options[name]] + [
            name for name in ("bind_user", "password_file", "ca_file", "site", "tls_server_name") if options[name]]
        if extra or options["no_tls"] or options["filter"]:
            raise CommandError("--source takes its settings from the stored source; drop the other connection "
                               "options (edit the source instead).")
        source = DirectorySource.objects.select_related("site").filter(name=options["source"]).first()
        if source is None:
            raise CommandError(f"No directory source called {options['source']!r}.")
        with transaction.atomic():
            return directory_sync_start(source=source, dry_run=options["dry_run"], started_by="cli", queue="cli")

    def _ad_hoc(self, options) -> Job:
        missing = [flag for flag, name in (("--server", "server"), ("--bind-user", "bind_user"),
                                           ("--password-file", "password_file"), ("--base-dn", "base_dn"))
                   if not options[name]]
        if missing:
            raise CommandError(f"Give {', '.join(missing)} (or --source NAME for a stored source).")
        for url in options["server"]:
            problem = url_error(url)
            if problem:
                raise CommandError(problem)
        problem = filter_error(options["filter"])
        if problem:
            raise CommandError(problem)
        if any("=" not in dn for dn in options["base_dn"]):
            raise CommandError("Each --base-dn names attributes, e.g. OU=Council,DC=council,DC=local.")
        password = self._read_file(options["password_file"], "password file").splitlines()
        if not password or not password[0]:
            raise CommandError("The password file is empty.")
        if options["ca_file"]:
            ca_text = self._read_file(options["ca_file"], "CA file")
            if "BEGIN CERTIFICATE" not in ca_text:
                raise CommandError(f"{options['ca_file']}: not a PEM certificate bundle.")
        if options["no_tls"] and any(u.lower().startswith("ldaps://") for u in options["server"]):
            raise CommandError("--no-tls applies to ldap:// only; ldaps:// is always TLS.")
        if options["no_tls"]:
            self.stderr.write("Warning: --no-tls sends the bind password in clear (labs and tests only).")
        site = cli_site(options["site"])
        ldap_settings = LdapSettings(urls=tuple(options["server"]), bind_user=options["bind_user"],
                                     password=password[0], base_dns=tuple(options["base_dn"]),
                                     filter=options["filter"], ca_file=options["ca_file"] or None,
                                     no_tls=options["no_tls"], tls_server_name=options["tls_server_name"] or None)
        with transaction.atomic():
            job = job_enqueue(kind=SYNC_KIND, name=f"Directory sync {options['server'][0][:80]}", started_by="cli",
                              queue="cli", dry_run=options["dry_run"])
            # In this process's memory only, consumed by the job when it starts: set before the commit, since the
            # "eager" backend runs the job as the transaction commits.
            EPHEMERAL_SOURCES[job.pk] = (ldap_settings, site.pk)
        return job

    @staticmethod
    def _read_file(path: str, what: str) -> str:
        try:
            data = Path(path).read_bytes()[:1_000_000]
        except OSError as exc:
            raise CommandError(f"Cannot read the {what} {path}: {exc.strerror or exc}") from exc
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CommandError(f"The {what} {path} is not UTF-8 text.") from exc
