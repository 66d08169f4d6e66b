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
from discovery.targets import TargetError, parse_and_expand
from estate.jobs import job_enqueue
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


@transaction.atomic
def discovery_run_start(*, site: Site, scope: Scope | None = None, targets: str = "", exclusions: str = "",
                        credential_ids: Sequence[int] = (), credential_sets: Sequence[CredentialSet] = (),
                        port: int | None = None, dry_run: bool = False,
                        mode: str = DiscoveryModeChoices.INVENTORY, user=None, started_by: str = "",
                        queue: str | None = None, extra: dict | None = None) -> DiscoveryRun:
    """Validate the targets and create the run and its job. A bad scope raises before anything is created.

    An ad hoc run tries credential_ids, then the credentials of credential_sets (each set in its own order)."""
    credential_ids = list(dict.fromkeys([*credential_ids, *(c.pk for cset in credential_sets
                                                             for c in cset.ordered_credentials())]))
    if scope is not None:
        targets, exclusions, site = scope.targets, scope.exclusions, scope.site
    try:
        expanded = parse_and_expand(targets, exclusions=exclusions, limit=settings.ESTATE_MAX_SCOPE_ADDRESSES)
    except TargetError as exc:
        raise ValidationError({"targets": str(exc)}) from exc
    name = f"Discover {scope.name}" if scope else f"Discover {targets.splitlines()[0][:60] if targets else ''}"
    kwargs = {"credential_ids": credential_ids, "port": port, "mode": mode, **(extra or {})}
    job = job_enqueue(kind="discovery", name=name, user=user, started_by=started_by,
                      queue=queue or (f"site-{site.slug}" if settings.ESTATE_JOB_BACKEND == "celery" else "default"),
                      **kwargs)
    run = DiscoveryRun.objects.create(job=job, scope=scope, site=site, targets=targets, dry_run=dry_run)
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
