"""Writes for discovery: credentials (secrets encrypted, write-only), credential sets, runs, host keys."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from discovery.choices import DiscoveryModeChoices
from discovery.models import SECRET_FIELDS, Credential, CredentialSet, CredentialSetMember, DiscoveryRun, HostKey, Scope
from discovery.secrets import PLACEHOLDER, encrypt_secrets
from discovery.targets import TargetError, parse_and_expand, parse_targets, unapproved
from estate.jobs import job_enqueue
from estate.models import Job
from estate.services import object_save
from inventory.models import Device, Site


@transaction.atomic
def credential_save(*, credential: Credential, secrets: dict[str, str | None]) -> Credential:
    """Save a credential. A secret sent as None or as the placeholder keeps the stored value; "" clears it."""
    current = credential.secrets() if credential.secret_data else {}
    wanted = {}
    for name in SECRET_FIELDS.get(credential.kind, ()):
        value = secrets.get(name)
        if value is None or value == PLACEHOLDER:
            value = current.get(name, "")
        wanted[name] = value
    errors = {}
    required = {"snmp_v2c": ["community"], "ssh_password": ["password"], "ssh_key": ["private_key"]}.get(
        credential.kind, [])
    if credential.kind == "snmp_v3":
        if credential.security_level in ("authNoPriv", "authPriv"):
            required.append("auth_key")
        if credential.security_level == "authPriv":
            required.append("priv_key")
    for name in required:
        if not wanted.get(name):
            errors[name] = "This secret is required for this kind of credential."
    for name in ("auth_key", "priv_key"):
        if wanted.get(name) and len(wanted[name]) < 8:
            errors[name] = "SNMP v3 keys must be at least 8 characters."
    if wanted.get("private_key") and "PRIVATE KEY" not in wanted["private_key"]:
        errors["private_key"] = "Paste the private key in OpenSSH or PEM form (-----BEGIN … PRIVATE KEY-----)."
    if errors:
        raise ValidationError(errors)
    credential.secret_data = encrypt_secrets({k: v for k, v in wanted.items() if v})
    return object_save(instance=credential)


@transaction.atomic
def credential_set_save(*, credential_set: CredentialSet, credentials: Sequence[Credential]) -> CredentialSet:
    """Save a set with its credentials in the order given (the order they are tried)."""
    object_save(instance=credential_set)
    credential_set.members.all().delete()
    CredentialSetMember.objects.bulk_create(
        [CredentialSetMember(credential_set=credential_set, credential=c, position=i)
         for i, c in enumerate(credentials)]
    )
    return credential_set


# A run's options when no scope gives them (an ad hoc run from the page, the API or the command line).
DEFAULT_RUN_OPTIONS: dict[str, object] = {
    "use_snmp": True, "use_ssh": True, "snmp_port": 161, "ssh_port": 22, "snmp_timeout": 2.0, "snmp_retries": 1,
    "ssh_timeout": 10.0, "concurrency": 100,
}
USE_CREDENTIALSET = "discovery.use_credentialset"


def _scope_options(scope: Scope) -> dict[str, object]:
    return {name: getattr(scope, name) for name in DEFAULT_RUN_OPTIONS}


def credential_sets_check_use(*, credential_sets: Sequence[CredentialSet], targets: str, exclusions: str = "",
                              user=None) -> None:
    """Refuse (ValidationError on "credential_sets") sets the user may not use, or whose approved networks do not
    hold every address target left after the exclusions. user None: the system (a schedule), no permission check.
    Names are checked by the job once resolved."""
    if not credential_sets:
        return
    if user is not None and not user.has_perm(USE_CREDENTIALSET):
        raise ValidationError({"credential_sets": "You do not have permission to use credential sets in a discovery "
                                                  "run (discovery | Can use credential set in a discovery run)."})
    try:
        specs, excl = parse_targets(targets.splitlines()), parse_targets(exclusions.splitlines(), what="exclusions")
    except TargetError:
        return  # the target check reports it
    problems = []
    for cset in credential_sets:
        try:
            approved = cset.approved_ranges()
        except TargetError as exc:
            problems.append(f"{cset.name}: its approved networks are invalid ({exc})")
            continue
        if not approved:
            problems.append(f"{cset.name} has no approved networks: approve the networks it may be used on first")
            continue
        outside = unapproved(specs, excl, approved)
        if outside:
            problems.append(f"{cset.name} is not approved for " + ", ".join(outside[:5])
                            + (f" and {len(outside) - 5} more" if len(outside) > 5 else ""))
    if problems:
        raise ValidationError({"credential_sets": problems})


def scope_save(*, scope: Scope, credential_sets: Sequence[CredentialSet] | None = None, user=None) -> Scope:
    """Save a scope (page and API). Giving it credential sets, or changing where a scope with sets points, needs the
    right to use them, and the sets must be approved for its targets: its scheduled runs will use them. Validated
    before object_save's write transaction opens (a long target list must not hold the write lock)."""
    before = Scope.objects.filter(pk=scope.pk).first() if scope.pk else None
    old_sets = set(before.credential_sets.values_list("pk", flat=True)) if before else set()
    sets = list(credential_sets) if credential_sets is not None else (
        list(before.credential_sets.all()) if before else [])
    changed = (before is None or {c.pk for c in sets} - old_sets
               or any(getattr(before, f) != getattr(scope, f) for f in ("targets", "exclusions", "allow_tofu")))
    if sets:
        scope.full_clean()  # a bad target list is reported as such, not as an approval problem
        credential_sets_check_use(credential_sets=sets, targets=scope.targets, exclusions=scope.exclusions,
                                  user=user if changed else None)
    return object_save(instance=scope, m2m={"credential_sets": sets} if credential_sets is not None else None)


@transaction.atomic
def discovery_run_start(*, site: Site | None = None, scope: Scope | None = None, targets: str = "",
                        exclusions: str = "", credential_ids: Sequence[int] = (),
                        credential_sets: Sequence[CredentialSet] = (), port: int | None = None, dry_run: bool = False,
                        mode: str = DiscoveryModeChoices.INVENTORY, allow_tofu: bool = False, user=None,
                        started_by: str = "", queue: str | None = None, extra: dict | None = None,
                        job: Job | None = None) -> DiscoveryRun:
    """The one way a discovery run starts (page, API, command line, schedule, a wave's verification): validate
    and freeze its settings, then create the run and its job. Bad settings raise ValidationError before anything
    is created.

    A scope run takes the scope's targets, exclusions, options, credential sets and TOFU setting, plus the run's own
    exclusions. credential_ids are single credentials a trusted caller picked (a playbook run's own credential),
    tried before the sets. user: whose right to use the sets is checked (None: the system). job: a job that
    already exists (a schedule's), which this run then belongs to. extra: job arguments the caller reads back
    when the job ends (discovery ignores them)."""
    options = dict(DEFAULT_RUN_OPTIONS)
    sets = list(credential_sets)
    if scope is not None:
        site, targets = scope.site, scope.targets
        exclusions = "\n".join(x for x in (scope.exclusions, exclusions) if x.strip())
        sets = [*scope.credential_sets.order_by("name"), *sets]
        options = _scope_options(scope)
        allow_tofu = allow_tofu or scope.allow_tofu
    if site is None:
        raise ValidationError({"site": "Choose the site the hosts belong to."})
    if port:
        options["snmp_port"] = options["ssh_port"] = port
    try:
        parse_targets(exclusions.splitlines(), what="exclusions")
    except TargetError as exc:
        raise ValidationError({"exclusions": str(exc)}) from exc
    try:
        expanded = parse_and_expand(targets, exclusions=exclusions, limit=settings.ESTATE_MAX_SCOPE_ADDRESSES)
    except TargetError as exc:
        raise ValidationError({"targets": str(exc)}) from exc
    sets = list({cset.pk: cset for cset in sets}.values())
    credential_sets_check_use(credential_sets=sets, targets=targets, exclusions=exclusions, user=user)
    name = f"Discover {scope.name}" if scope else f"Discover {targets.splitlines()[0][:60] if targets else ''}"
    if job is None:
        job = job_enqueue(kind="discovery", name=name, user=user, started_by=started_by,
                          queue=queue or (f"site-{site.slug}" if settings.ESTATE_JOB_BACKEND == "celery"
                                          else "default"),
                          **(extra or {}))
    run = DiscoveryRun.objects.create(
        job=job, scope=scope, site=site, targets=targets, exclusions=exclusions, options=options,
        credential_set_ids=[cset.pk for cset in sets], credential_ids=list(dict.fromkeys(credential_ids)),
        mode=mode, allow_tofu=allow_tofu, dry_run=dry_run)
    job.kwargs = {**job.kwargs, "run_id": run.pk}
    job.progress_total = len(expanded)
    job.save(update_fields=["kwargs", "progress_total"])
    return run


@transaction.atomic
def host_key_record(*, address: str, port: int, key_type: str, fingerprint: str, public_key: str,
                    run: DiscoveryRun | None, device: Device | None = None,
                    device_id_hint: int | None = None) -> HostKey:
    """Trust on first use: remember the key the first time; later, a different key is kept aside, not trusted."""
    if device is None and device_id_hint:
        device = Device.objects.filter(pk=device_id_hint).first()
    key, created = HostKey.objects.get_or_create(
        address=address, port=port,
        defaults={"key_type": key_type, "fingerprint": fingerprint, "public_key": public_key,
                  "first_seen_run": run, "device": device},
    )
    if not created:
        if key.fingerprint != fingerprint:
            key.mismatch_key_type, key.mismatch_fingerprint = key_type, fingerprint
            key.mismatch_public_key, key.mismatch_seen = public_key, timezone.now()
            key.save()
        elif (device is not None and key.device_id != device.pk) or (public_key and not key.public_key):
            key.device = device or key.device
            key.public_key = key.public_key or public_key
            key.save()
    return key


@transaction.atomic
def host_key_retrust(*, host_key: HostKey) -> HostKey:
    """A person accepts the new key (e.g. after a rebuild). Audited like every change."""
    if not host_key.has_mismatch:
        raise ValidationError("This host has no changed key to trust.")
    host_key.key_type, host_key.fingerprint = host_key.mismatch_key_type, host_key.mismatch_fingerprint
    host_key.public_key = host_key.mismatch_public_key
    host_key.mismatch_key_type = host_key.mismatch_fingerprint = host_key.mismatch_public_key = ""
    host_key.mismatch_seen = None
    host_key.save()
    return host_key


@transaction.atomic
def credential_secrets_rotate() -> int:
    """Re-encrypt every credential's secrets with the first key of ESTATE_SECRETS_KEYS; all or nothing.

    Raises SecretsError naming the credentials no configured key can decrypt (then nothing is changed).
    """
    from cryptography.fernet import InvalidToken

    from discovery.secrets import SecretsError, rotate_token

    rotated, unreadable = 0, []
    for credential in Credential.objects.select_for_update().exclude(secret_data="").order_by("pk"):
        try:
            token = rotate_token(credential.secret_data)
        except InvalidToken:  # no configured key opens it: report the credential, never the token
            unreadable.append(credential.name)
            continue
        # A plain column update: the ciphertext is not in the audit history, and nothing else changed.
        Credential.objects.filter(pk=credential.pk).update(secret_data=token)
        rotated += 1
    if unreadable:
        raise SecretsError("no key in ESTATE_SECRETS_KEYS decrypts the secrets of: " + ", ".join(unreadable))
    return rotated
