"""Edit forms for directory sources. The bind password is write-only (a placeholder when one is stored)."""

from __future__ import annotations

from django import forms

from discovery.forms import SecretInput
from discovery.models_directory import DirectorySource
from discovery.secrets import PLACEHOLDER, encrypt_secrets
from estate.forms import BulkEditForm, EstateForm, EstateModelForm
from inventory.models import Site


class DirectorySourceForm(EstateModelForm):
    password = forms.CharField(label="Bind password", required=False, strip=False, widget=SecretInput(),
                               help_text="Write-only. A value is stored once saved: leave the placeholder to keep it.")

    class Meta:
        model = DirectorySource
        fields = ["name", "site", "server_urls", "bind_user", "password", "base_dns", "ldap_filter", "ca_bundle",
                  "verify_tls", "tls_server_name", "no_tls", "ou_site_map", "ou_department_map", "disabled_status",
                  "description"]
        widgets = {"server_urls": forms.Textarea(attrs={"rows": 2}), "base_dns": forms.Textarea(attrs={"rows": 2}),
                   "ca_bundle": forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
                   "ou_site_map": forms.Textarea(attrs={"rows": 3}),
                   "ou_department_map": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = bool(self.instance.pk and self.instance.secret_data)
        self.fields["password"].widget.is_set = stored
        self.fields["password"].initial = PLACEHOLDER if stored else ""

    def _post_clean(self):
        # The model's clean() asks for a stored password: a new one typed here counts (the service stores it).
        password = self.new_password()
        if password:
            self.instance.secret_data = encrypt_secrets({"password": password})
        super()._post_clean()

    def new_password(self) -> str | None:
        value = self.cleaned_data.get("password")
        return None if not value or value == PLACEHOLDER else value


class DirectorySourceBulkEditForm(BulkEditForm):
    site = forms.ModelChoiceField(queryset=Site.objects.all())
    description = forms.CharField(max_length=200)
    nullable_fields = ("description",)


class DirectorySyncForm(EstateForm):
    dry_run = forms.BooleanField(required=False, label="Dry run (show what would change, write nothing)")
