"""Discovery: credentials (secrets encrypted), credential sets, scopes, runs with per-host results, SSH host keys."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from discovery.choices import (
    CredentialKindChoices,
    DiscoveryMethodChoices,
    DiscoveryModeChoices,
    HostResultActionChoices,
    SnmpAuthProtocolChoices,
    SnmpPrivProtocolChoices,
    SnmpSecurityLevelChoices,
)
from discovery.secrets import decrypt_secrets
from discovery.targets import AddressRanges, TargetError, parse_networks, parse_targets
from estate.models import ChangeLoggedModel

# Which secret values each kind of credential needs.
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    CredentialKindChoices.SNMP_V2C: ("community",),
    CredentialKindChoices.SNMP_V3: ("auth_key", "priv_key"),
    CredentialKindChoices.SSH_PASSWORD: ("password",),
    CredentialKindChoices.SSH_KEY: ("private_key", "passphrase"),
}


class Credential(ChangeLoggedModel):
    """A way in to devices: an SNMP community or v3 user, or an SSH login. Secret values are stored encrypted."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=CredentialKindChoices)
    username = models.CharField(max_length=100, blank=True, help_text="SNMP v3 user or SSH user")
    security_level = models.CharField(max_length=20, choices=SnmpSecurityLevelChoices, blank=True)
    auth_protocol = models.CharField(max_length=10, choices=SnmpAuthProtocolChoices,
                                     default=SnmpAuthProtocolChoices.NONE)
    priv_protocol = models.CharField(max_length=10, choices=SnmpPrivProtocolChoices,
                                     default=SnmpPrivProtocolChoices.NONE)
    description = models.CharField(max_length=200, blank=True)
    secret_data = models.TextField(blank=True, editable=False, help_text="Fernet token of the secret values")

    url_name = "discovery:credential"

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="discovery_credential_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_snmp(self) -> bool:
        return self.kind in (CredentialKindChoices.SNMP_V2C, CredentialKindChoices.SNMP_V3)

    def secrets(self) -> dict[str, str]:
        """Decrypt (only inside a collector or runner; never serialise the result)."""
        return decrypt_secrets(self.secret_data)

    def secret_is_set(self, name: str) -> bool:
        return bool(self.secret_data) and bool(self.secrets().get(name))

    def clean(self) -> None:
        errors = {}
        needs_user = (CredentialKindChoices.SSH_PASSWORD, CredentialKindChoices.SSH_KEY, CredentialKindChoices.SNMP_V3)
        if self.kind in needs_user and not self.username:
            errors["username"] = "This kind of credential needs a username."
        if self.kind == CredentialKindChoices.SNMP_V3:
            level = self.security_level or SnmpSecurityLevelChoices.NO_AUTH_NO_PRIV
            self.security_level = level
            if level == SnmpSecurityLevelChoices.NO_AUTH_NO_PRIV:
                self.auth_protocol, self.priv_protocol = SnmpAuthProtocolChoices.NONE, SnmpPrivProtocolChoices.NONE
            elif self.auth_protocol == SnmpAuthProtocolChoices.NONE:
                errors["auth_protocol"] = f"{level} needs an authentication protocol."
            if level == SnmpSecurityLevelChoices.AUTH_PRIV and self.priv_protocol == SnmpPrivProtocolChoices.NONE:
                errors["priv_protocol"] = "authPriv needs a privacy protocol."
            if level == SnmpSecurityLevelChoices.AUTH_NO_PRIV:
                self.priv_protocol = SnmpPrivProtocolChoices.NONE
        else:
            self.security_level = ""
            self.auth_protocol, self.priv_protocol = SnmpAuthProtocolChoices.NONE, SnmpPrivProtocolChoices.NONE
        if errors:
            raise ValidationError(errors)


class CredentialSet(ChangeLoggedModel):
    """An ordered list of credentials that a scope tries until one works (e.g. "Town Hall network kit")."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=200, blank=True)
    credentials = models.ManyToManyField(Credential, through="CredentialSetMember", related_name="credential_sets")
    approved_networks = models.TextField(
        blank=True, help_text="One network a line (10.1.0.0/16). A run may use this set only on addresses inside "
                              "them; with none, the set cannot be used in a run.")

    url_name = "discovery:credentialset"

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="discovery_credentialset_unique_name")]
        # Using a set sends its secrets to the targets: a right of its own, apart from viewing or editing the set.
        permissions = [("use_credentialset", "Can use credential set in a discovery run")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            parse_networks(self.approved_networks)
        except TargetError as exc:
            raise ValidationError({"approved_networks": str(exc)}) from exc

    def approved_ranges(self) -> AddressRanges:
        return parse_networks(self.approved_networks)

    def ordered_credentials(self) -> list[Credential]:
        return [m.credential for m in self.members.select_related("credential").order_by("position", "pk")]


class CredentialSetMember(models.Model):
    """A credential's place in a set."""

    credential_set = models.ForeignKey(CredentialSet, on_delete=models.CASCADE, related_name="members")
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="memberships")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["credential_set", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["credential_set", "credential"],
                                               name="discovery_credentialsetmember_unique")]

    def __str__(self) -> str:
        return f"{self.credential_set} #{self.position}: {self.credential}"


class Scope(ChangeLoggedModel):
    """A named discovery target: ranges, hosts and names at one site, with the credentials to try."""

    name = models.CharField(max_length=100)
    site = models.ForeignKey("inventory.Site", on_delete=models.PROTECT, related_name="discovery_scopes")
    targets = models.TextField(help_text="One per line: 10.1.0.0/24, 10.1.2.1-10.1.2.62, a host, a name; "
                                         "optionally :port")
    exclusions = models.TextField(blank=True, help_text="Same format; never contacted")
    credential_sets = models.ManyToManyField(CredentialSet, blank=True, related_name="scopes")
    use_snmp = models.BooleanField(default=True, verbose_name="SNMP")
    use_ssh = models.BooleanField(default=True, verbose_name="SSH")
    snmp_port = models.PositiveIntegerField(default=161, validators=[MinValueValidator(1), MaxValueValidator(65535)])
    ssh_port = models.PositiveIntegerField(default=22, validators=[MinValueValidator(1), MaxValueValidator(65535)])
    snmp_timeout = models.FloatField(default=2.0, validators=[MinValueValidator(0.1), MaxValueValidator(60)],
                                     help_text="Seconds per SNMP request")
    snmp_retries = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(5)])
    ssh_timeout = models.FloatField(default=10.0, validators=[MinValueValidator(0.5), MaxValueValidator(120)])
    concurrency = models.PositiveIntegerField(default=100, validators=[MinValueValidator(1), MaxValueValidator(2000)],
                                              help_text="Hosts contacted at once")
    allow_tofu = models.BooleanField(
        default=False, verbose_name="Trust new SSH host keys",
        help_text="Offer SSH credentials to a host whose key was never recorded, and record it (trust on first use)")
    description = models.CharField(max_length=200, blank=True)

    url_name = "discovery:scope"

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="discovery_scope_unique_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from discovery.targets import expand

        errors = {}
        try:
            specs = parse_targets(self.targets.splitlines())
        except TargetError as exc:
            errors["targets"] = str(exc)
            specs = None
        try:
            excl = parse_targets(self.exclusions.splitlines(), what="exclusions")
        except TargetError as exc:
            errors["exclusions"] = str(exc)
            excl = None
        if specs is not None and excl is not None:
            try:
                if not specs:
                    errors["targets"] = "Give at least one target."
                elif not expand(specs, exclusions=excl, limit=settings.ESTATE_MAX_SCOPE_ADDRESSES):
                    errors["exclusions"] = "Every target is excluded: there is nothing to discover."
            except TargetError as exc:
                errors["targets"] = str(exc)
        if not (self.use_snmp or self.use_ssh):
            errors["use_snmp"] = "Choose SNMP, SSH or both."
        if errors:
            raise ValidationError(errors)


class DiscoveryRun(models.Model):
    """One discovery of a scope (or of targets given on the command line), executed as a job.

    Holds the run's settings as they were when it started (frozen): the job reads only these, never the scope."""

    job = models.OneToOneField("estate.Job", on_delete=models.CASCADE, related_name="discovery_run")
    scope = models.ForeignKey(Scope, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs")
    site = models.ForeignKey("inventory.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    targets = models.TextField()
    exclusions = models.TextField(blank=True, help_text="The scope's and the run's own: never contacted")
    options = models.JSONField(default=dict, blank=True, help_text="use_snmp, use_ssh, ports, timeouts, retries, "
                                                                    "concurrency")
    credential_set_ids = models.JSONField(default=list, blank=True, help_text="Credential sets tried, in order")
    credential_ids = models.JSONField(default=list, blank=True,
                                      help_text="Single credentials tried first (a playbook run's own)")
    mode = models.CharField(max_length=20, choices=DiscoveryModeChoices, default=DiscoveryModeChoices.INVENTORY)
    allow_tofu = models.BooleanField(default=False, verbose_name="Trust new SSH host keys")
    dry_run = models.BooleanField(default=False)
    summary = models.JSONField(default=dict, blank=True, help_text="created / updated / unchanged / unreachable / "
                                                                    "failed counts")
    created = models.DateTimeField(auto_now_add=True)

    url_name = "discovery:run"

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"Discovery run #{self.pk}" + (f" of {self.scope}" if self.scope_id else "")

    def get_absolute_url(self) -> str:
        return reverse("discovery:run_detail", kwargs={"pk": self.pk})


class HostResult(models.Model):
    """What happened to one address in a run."""

    run = models.ForeignKey(DiscoveryRun, on_delete=models.CASCADE, related_name="host_results")
    address = models.CharField(max_length=255)
    port = models.PositiveIntegerField(null=True, blank=True)
    reachable = models.BooleanField(default=False)
    method = models.CharField(max_length=10, choices=DiscoveryMethodChoices, blank=True)
    credential = models.ForeignKey(Credential, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    device = models.ForeignKey("inventory.Device", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="discovery_results")
    action = models.CharField(max_length=20, choices=HostResultActionChoices)
    error = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="field: [old, new]")
    facts = models.JSONField(default=dict, blank=True, help_text="What was discovered (parsed, never secrets)")
    timestamp = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "pk"]
        indexes = [models.Index(fields=["run", "action"], name="discovery_result_run_action")]

    def __str__(self) -> str:
        return f"{self.address}: {self.action}"


class HostKey(ChangeLoggedModel):
    """The SSH host key trusted for a host (trust on first use). A different key is refused until re-trusted."""

    address = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=22)
    device = models.ForeignKey("inventory.Device", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="host_keys")
    key_type = models.CharField(max_length=50)
    fingerprint = models.CharField(max_length=100, help_text="SHA256:… as OpenSSH prints it")
    public_key = models.TextField(blank=True, help_text="OpenSSH public key line, for Ansible's known_hosts")
    first_seen_run = models.ForeignKey(DiscoveryRun, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    first_seen = models.DateTimeField(auto_now_add=True)
    # A different key seen later: kept beside the trusted one until a person re-trusts.
    mismatch_key_type = models.CharField(max_length=50, blank=True)
    mismatch_fingerprint = models.CharField(max_length=100, blank=True)
    mismatch_public_key = models.TextField(blank=True)
    mismatch_seen = models.DateTimeField(null=True, blank=True)

    url_name = "discovery:hostkey"

    class Meta:
        ordering = ["address", "port"]
        constraints = [models.UniqueConstraint(fields=["address", "port"], name="discovery_hostkey_unique_endpoint")]

    def __str__(self) -> str:
        return f"{self.address}:{self.port} {self.key_type} {self.fingerprint}"

    @property
    def has_mismatch(self) -> bool:
        return bool(self.mismatch_fingerprint)


class DeviceAccess(models.Model):
    """Which credential last worked for a device and method, so the next run tries it first."""

    device = models.ForeignKey("inventory.Device", on_delete=models.CASCADE, related_name="discovery_access")
    method = models.CharField(max_length=10, choices=DiscoveryMethodChoices)
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="device_access")
    last_success = models.DateTimeField()

    class Meta:
        ordering = ["device", "method"]
        constraints = [models.UniqueConstraint(fields=["device", "method"], name="discovery_deviceaccess_unique")]

    def __str__(self) -> str:
        return f"{self.device} {self.method}: {self.credential}"
from discovery.models_directory import DirectoryComputer, DirectorySource  # noqa: E402,F401
from discovery.models_rules import ClassificationRule  # noqa: E402,F401
