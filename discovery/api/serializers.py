"""Discovery API serializers. Secrets are write-only: a response shows "********" for a stored secret and "" for
none; sending "********" back (PUT/PATCH) keeps the stored value."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from discovery import services
from discovery.choices import DiscoveryMethodChoices, DiscoveryModeChoices
from discovery.models import Credential, CredentialSet, DiscoveryRun, HostKey, HostResult, Scope
from discovery.secrets import PLACEHOLDER
from estate.api.serializers import EstateModelSerializer
from inventory.models import Site

SECRET_NAMES = ("community", "auth_key", "priv_key", "password", "private_key", "passphrase")


def _django_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(serializers.as_serializer_error(exc))


class CredentialSerializer(EstateModelSerializer):
    community = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=255,
                                      help_text="SNMP v2c community (write-only)")
    auth_key = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=255,
                                     help_text="SNMP v3 authentication key (write-only)")
    priv_key = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=255,
                                     help_text="SNMP v3 privacy key (write-only)")
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=1024,
                                     help_text="SSH password (write-only)")
    private_key = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=20000,
                                        help_text="SSH private key, OpenSSH or PEM text (write-only)")
    passphrase = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=1024,
                                       help_text="Passphrase of the SSH private key (write-only)")

    class Meta:
        model = Credential
        fields = ["id", "display", "name", "kind", "username", "security_level", "auth_protocol", "priv_protocol",
                  "description", *SECRET_NAMES, "created", "last_updated"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        stored = instance.secrets() if instance.secret_data else {}
        for name in SECRET_NAMES:
            data[name] = PLACEHOLDER if stored.get(name) else ""
        return data

    def _save(self, instance, validated_data):
        secrets = {name: validated_data.pop(name) for name in SECRET_NAMES if name in validated_data}
        for field, value in validated_data.items():
            setattr(instance, field, value)
        try:
            return services.credential_save(credential=instance, secrets=secrets)
        except DjangoValidationError as exc:
            raise _django_error(exc) from exc


class CredentialSetSerializer(EstateModelSerializer):
    credentials = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Credential.objects.all(), required=False,
        help_text="Credential ids in the order they are tried",
    )

    class Meta:
        model = CredentialSet
        fields = ["id", "display", "name", "description", "approved_networks", "credentials", "created",
                  "last_updated"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["credentials"] = [c.pk for c in instance.ordered_credentials()]
        return data

    def validate_credentials(self, value):
        ids = [c.pk for c in value]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("A credential is listed twice.")
        return value

    def _save(self, instance, validated_data):
        credentials = validated_data.pop("credentials", None)
        if credentials is None:
            credentials = instance.ordered_credentials() if instance.pk else []
        for field, value in validated_data.items():
            setattr(instance, field, value)
        try:
            return services.credential_set_save(credential_set=instance, credentials=credentials)
        except DjangoValidationError as exc:
            raise _django_error(exc) from exc


class ScopeSerializer(EstateModelSerializer):
    class Meta:
        model = Scope
        fields = ["id", "display", "name", "site", "targets", "exclusions", "credential_sets", "use_snmp", "use_ssh",
                  "allow_tofu", "snmp_port", "ssh_port", "snmp_timeout", "snmp_retries", "ssh_timeout", "concurrency",
                  "description", "created", "last_updated"]

    def _save(self, instance, validated_data):
        credential_sets = validated_data.pop("credential_sets", None)
        for field, value in validated_data.items():
            setattr(instance, field, value)
        request = self.context.get("request")
        try:
            return services.scope_save(scope=instance, credential_sets=credential_sets,
                                       user=request.user if request is not None else None)
        except DjangoValidationError as exc:
            raise _django_error(exc) from exc


class DiscoverSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(default=False, help_text="Report what would change; write nothing")
    exclusions = serializers.ListField(child=serializers.CharField(max_length=300), required=False, default=list,
                                       max_length=10000, help_text="Left out of this run, besides the scope's own")


class HostResultSerializer(serializers.ModelSerializer):
    credential_name = serializers.CharField(source="credential.name", default=None, allow_null=True, read_only=True)
    device_name = serializers.CharField(source="device.name", default=None, allow_null=True, read_only=True)
    method = serializers.ChoiceField(choices=DiscoveryMethodChoices.choices, allow_blank=True, read_only=True,
                                     help_text="How the host answered; empty when it did not")

    class Meta:
        model = HostResult
        fields = ["id", "address", "port", "reachable", "method", "credential", "credential_name", "device",
                  "device_name", "action", "error", "changes", "facts", "timestamp"]
        read_only_fields = fields


class DiscoveryRunSerializer(serializers.ModelSerializer):
    display = serializers.SerializerMethodField()
    status = serializers.CharField(source="job.status", read_only=True)
    progress = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    started = serializers.DateTimeField(source="job.started", allow_null=True, read_only=True)
    finished = serializers.DateTimeField(source="job.finished", allow_null=True, read_only=True)
    started_by = serializers.CharField(source="job.started_by", read_only=True)

    class Meta:
        model = DiscoveryRun
        fields = ["id", "display", "job", "scope", "site", "targets", "exclusions", "options", "credential_set_ids",
                  "mode", "allow_tofu", "dry_run", "status", "progress", "summary", "error", "started_by", "created",
                  "started", "finished"]
        read_only_fields = fields

    def get_display(self, obj) -> str:
        return str(obj)

    def get_progress(self, obj) -> dict:
        return {"done": obj.job.progress_done, "total": obj.job.progress_total, "percent": obj.job.progress_percent}

    def get_error(self, obj) -> str:
        return obj.job.error.splitlines()[0][:500] if obj.job.error else ""


class DiscoveryRunStartSerializer(serializers.Serializer):
    """An ad hoc run: targets, the site the hosts belong to and the credential sets to try."""

    targets = serializers.ListField(child=serializers.CharField(max_length=300), min_length=1, max_length=10000,
                                    help_text="Addresses, ranges (a-b), CIDRs or names; optionally :port")
    exclusions = serializers.ListField(child=serializers.CharField(max_length=300), required=False, default=list,
                                       max_length=10000)
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all())
    credential_sets = serializers.PrimaryKeyRelatedField(many=True, queryset=CredentialSet.objects.all(),
                                                         allow_empty=False)
    port = serializers.IntegerField(min_value=1, max_value=65535, required=False, allow_null=True,
                                    help_text="Port for every target without its own (SNMP and SSH)")
    mode = serializers.ChoiceField(choices=DiscoveryModeChoices.choices, default=DiscoveryModeChoices.INVENTORY,
                                   help_text="identify: a quick SNMP sweep of identity only (system group, chassis)")
    allow_tofu = serializers.BooleanField(default=False, help_text="Offer SSH credentials to hosts whose key was "
                                                                    "never recorded (trust on first use)")
    dry_run = serializers.BooleanField(default=False)

    def to_internal_value(self, data):
        for name in ("targets", "exclusions"):  # one per line, like a scope
            if isinstance(data, dict) and isinstance(data.get(name), str):
                data = {**data, name: [t for t in data[name].splitlines() if t.strip()]}
        return super().to_internal_value(data)


class HostKeySerializer(EstateModelSerializer):
    has_mismatch = serializers.BooleanField(read_only=True)

    class Meta:
        model = HostKey
        fields = ["id", "display", "address", "port", "device", "key_type", "fingerprint", "public_key",
                  "first_seen_run", "first_seen", "has_mismatch", "mismatch_key_type", "mismatch_fingerprint",
                  "mismatch_public_key", "mismatch_seen", "created", "last_updated"]
        read_only_fields = fields
