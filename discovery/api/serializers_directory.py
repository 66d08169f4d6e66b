"""Directory source API serializers. The bind password is write-only: a response shows "********" when one is
stored; sending "********" (or leaving it out) on PUT/PATCH keeps it."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from discovery.models_directory import DirectorySource
from discovery.secrets import PLACEHOLDER, encrypt_secrets
from discovery.services_directory import directory_source_save
from estate.api.serializers import EstateModelSerializer


class DirectorySourceSerializer(EstateModelSerializer):
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=1000,
                                     help_text="Bind password (write-only)")

    class Meta:
        model = DirectorySource
        fields = ["id", "display", "name", "site", "server_urls", "bind_user", "password", "base_dns", "ldap_filter",
                  "ca_bundle", "verify_tls", "tls_server_name", "no_tls", "ou_site_map", "ou_department_map",
                  "disabled_status", "description", "last_synced", "last_summary", "created", "last_updated"]
        read_only_fields = ["last_synced", "last_summary"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["password"] = PLACEHOLDER if instance.password_is_set else ""
        return data

    def build(self, instance, validated_data):
        # A list POST saves what build() returns (estate.api.viewsets): the password must be in it already.
        password = validated_data.pop("password", None)
        instance, m2m = super().build(instance, validated_data)
        if password and password != PLACEHOLDER:
            instance.secret_data = encrypt_secrets({"password": password})
        return instance, m2m

    def _save(self, instance, validated_data):
        password = validated_data.pop("password", None)
        instance, _m2m = super().build(instance, validated_data)
        try:
            return directory_source_save(source=instance, password=password)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc


class DirectorySyncSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(default=False)
