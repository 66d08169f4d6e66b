"""Directory sources (Active Directory or another LDAP directory) and the computers each last read.

Imported at the bottom of discovery/models.py so Django sees the models in the discovery app.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from discovery.choices import DirectoryDisabledPolicyChoices
from discovery.collectors.ldap import filter_error, url_error
from discovery.secrets import decrypt_secrets
from estate.models import ChangeLoggedModel


def mapping_lines(text: str) -> list[tuple[str, str]]:
    """'OU=Libraries,DC=council,DC=local = libraries' lines -> [(dn, value)]; the last '=' outside the DN splits.

    The DN itself holds '=' signs, so the separator is ' = ' (spaces around) or, failing that, '=>'."""
    pairs = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        for separator in ("=>", " = "):
            if separator in line:
                dn, value = line.rsplit(separator, 1)
                pairs.append((dn.strip(), value.strip()))
                break
        else:
            pairs.append((line, ""))
    return pairs


class DirectorySource(ChangeLoggedModel):
    """An Active Directory domain (or other LDAP directory) whose computer objects Estate reads on a schedule."""

    name = models.CharField(max_length=100)
    site = models.ForeignKey("inventory.Site", on_delete=models.PROTECT, related_name="directory_sources",
                             help_text="Site for computers no OU mapping places elsewhere")
    server_urls = models.TextField(verbose_name="server URLs",
                                   help_text="One per line, tried in order: ldap://dc1.council.local (StartTLS) or "
                                             "ldaps://dc1.council.local:636")
    bind_user = models.CharField(max_length=255, help_text="svc-estate@council.local, COUNCIL\\svc-estate or a DN")
    secret_data = models.TextField(blank=True, editable=False, help_text="Fernet token of the bind password")
    base_dns = models.TextField(verbose_name="base DNs", help_text="One per line, e.g. OU=Council,DC=council,DC=local")
    ldap_filter = models.CharField(max_length=2000, blank=True, verbose_name="LDAP filter",
                                   help_text="Optional, ANDed with (objectCategory=computer), e.g. "
                                             "(operatingSystem=Windows*)")
    ca_bundle = models.TextField(blank=True, verbose_name="CA bundle",
                                 help_text="PEM certificates to trust for this server; empty: the system store")
    verify_tls = models.BooleanField(default=True, verbose_name="verify the certificate")
    tls_server_name = models.CharField(max_length=255, blank=True, verbose_name="TLS server name",
                                       help_text="The name in the certificate, when the URL uses an address")
    no_tls = models.BooleanField(default=False, verbose_name="allow a plain bind without TLS",
                                 help_text="Labs and tests only: the password crosses the network in clear")
    ou_site_map = models.TextField(blank=True, verbose_name="OU → site",
                                   help_text="One per line: OU=Libraries,DC=council,DC=local = libraries (a site "
                                             "slug); the deepest matching OU wins")
    ou_department_map = models.TextField(blank=True, verbose_name="OU → department",
                                         help_text="One per line: OU=Finance,DC=council,DC=local = Finance")
    disabled_status = models.CharField(max_length=20, choices=DirectoryDisabledPolicyChoices,
                                       default=DirectoryDisabledPolicyChoices.OFFLINE,
                                       verbose_name="disabled accounts become",
                                       help_text="Device status for computers whose account is disabled")
    description = models.CharField(max_length=200, blank=True)
    last_synced = models.DateTimeField(null=True, blank=True, editable=False)
    last_summary = models.JSONField(default=dict, blank=True, editable=False)

    url_name = "discovery:directorysource"

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="discovery_directorysource_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("discovery:directorysource_detail", kwargs={"pk": self.pk})

    @property
    def urls(self) -> list[str]:
        return [line.strip() for line in self.server_urls.splitlines() if line.strip()]

    @property
    def bases(self) -> list[str]:
        return [line.strip() for line in self.base_dns.splitlines() if line.strip()]

    def password(self) -> str:
        """Decrypt (only inside the sync job; never serialise the result)."""
        return decrypt_secrets(self.secret_data).get("password", "") if self.secret_data else ""

    @property
    def password_is_set(self) -> bool:
        return bool(self.secret_data)

    def clean(self) -> None:
        from inventory.models import Site

        errors: dict[str, str] = {}
        if not self.urls:
            errors["server_urls"] = "Give at least one server URL."
        for url in self.urls:
            problem = url_error(url)
            if problem:
                errors["server_urls"] = problem
                break
        if not self.secret_data:
            errors["password"] = "Give the bind password."  # noqa: S105 - a message
        if not self.bases:
            errors["base_dns"] = "Give at least one base DN."
        elif any("=" not in b or "\x00" in b for b in self.bases):
            errors["base_dns"] = "Each base DN names attributes, e.g. OU=Council,DC=council,DC=local."
        problem = filter_error(self.ldap_filter)
        if problem:
            errors["ldap_filter"] = problem
        if self.ca_bundle.strip() and "BEGIN CERTIFICATE" not in self.ca_bundle:
            errors["ca_bundle"] = "Paste PEM certificates (-----BEGIN CERTIFICATE-----)."
        slugs = [value for _dn, value in mapping_lines(self.ou_site_map)]
        if any(not value for value in slugs) or any(not dn for dn, _v in mapping_lines(self.ou_site_map)):
            errors["ou_site_map"] = "Write each line as: OU=…,DC=… = site-slug"
        else:
            missing = sorted(set(slugs) - set(Site.objects.filter(slug__in=slugs).values_list("slug", flat=True)))
            if missing:
                errors["ou_site_map"] = f"No site with slug {', '.join(missing)[:200]}."
        departments = mapping_lines(self.ou_department_map)
        if any(not dn or not value for dn, value in departments):
            errors["ou_department_map"] = "Write each line as: OU=…,DC=… = Department name"
        elif any(len(value) > 100 for _dn, value in departments):
            errors["ou_department_map"] = "Department names are at most 100 characters."
        if errors:
            raise ValidationError(errors)


class DirectoryComputer(models.Model):
    """A computer object a directory source read: which device it became, and whether it is still there.

    A computer that vanished from the directory keeps its row with ``vanished`` set; its device is never deleted."""

    source = models.ForeignKey(DirectorySource, on_delete=models.CASCADE, related_name="computers")
    device = models.ForeignKey("inventory.Device", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="directory_entries")
    dn = models.CharField(max_length=2048, verbose_name="DN")
    name = models.CharField(max_length=255)
    disabled = models.BooleanField(default=False)
    last_logon = models.DateTimeField(null=True, blank=True)
    first_synced = models.DateTimeField()
    last_synced = models.DateTimeField()
    vanished = models.DateTimeField(null=True, blank=True, help_text="When a sync first missed it")
    facts_digest = models.CharField(max_length=32, blank=True,
                                    help_text="Hash of the facts last reconciled: unchanged computers skip reconcile")

    class Meta:
        ordering = ["source", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["source", "dn"], name="discovery_directorycomputer_unique_dn")]
        indexes = [models.Index(fields=["source", "vanished"], name="discovery_dircomp_vanished")]

    def __str__(self) -> str:
        return f"{self.source}: {self.name}"
