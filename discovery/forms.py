"""Edit forms for discovery. Secret fields are write-only: they show a placeholder when a value is stored, never
the value itself; sending the placeholder back keeps the stored value, an emptied field clears it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from discovery.choices import DiscoveryModeChoices
from discovery.models import Credential, CredentialSet, Scope
from discovery.secrets import PLACEHOLDER
from estate.forms import BulkEditForm, EstateForm, EstateModelForm
from inventory.models import Site

SECRET_NAMES = ("community", "auth_key", "priv_key", "password", "private_key", "passphrase")


class _WriteOnly:
    """A widget that renders the placeholder when a value is stored and nothing otherwise: never a secret."""

    is_set = False

    def format_value(self, value):
        return PLACEHOLDER if self.is_set else None


class SecretInput(_WriteOnly, forms.PasswordInput):
    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=True)


class SecretTextarea(_WriteOnly, forms.Textarea):
    def format_value(self, value):
        return PLACEHOLDER if self.is_set else ""


def _secret(label: str, help_text: str, widget=SecretInput) -> forms.CharField:
    return forms.CharField(label=label, required=False, strip=False, widget=widget, help_text=help_text)


class CredentialForm(EstateModelForm):
    community = _secret("Community", "SNMP v2c.")
    auth_key = _secret("Authentication key", "SNMP v3 authNoPriv and authPriv (8 characters or more).")
    priv_key = _secret("Privacy key", "SNMP v3 authPriv (8 characters or more).")
    password = _secret("Password", "SSH username and password.")
    private_key = _secret("Private key", "SSH username and private key: the OpenSSH or PEM text.",
                          widget=SecretTextarea(attrs={"rows": 4, "spellcheck": "false"}))
    passphrase = _secret("Passphrase", "SSH private key, if the key is encrypted.")

    class Meta:
        model = Credential
        fields = ["name", "kind", "username", "security_level", "auth_protocol", "priv_protocol", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = set()
        if self.instance.pk and self.instance.secret_data:
            stored = {name for name, value in self.instance.secrets().items() if value}
        for name in SECRET_NAMES:
            field = self.fields[name]
            field.widget.is_set = name in stored
            field.initial = PLACEHOLDER if name in stored else ""
            if name in stored:
                field.help_text += " A value is stored: leave the placeholder to keep it, empty the field to clear it."

    def clean_private_key(self) -> str:
        value = self.cleaned_data.get("private_key") or ""
        return value.replace("\r\n", "\n") if value != PLACEHOLDER else value

    def secrets(self) -> dict[str, str]:
        """The secret values to hand to credential_save (the placeholder means "keep")."""
        return {name: self.cleaned_data.get(name, "") for name in SECRET_NAMES}


class CredentialBulkEditForm(BulkEditForm):
    description = forms.CharField(max_length=200)
    nullable_fields = ("description",)


class CredentialsInOrderField(forms.CharField):
    """Credentials by name (or id), one a line, in the order they are tried."""

    widget = forms.Textarea

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("rows", 5)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(c.name if isinstance(c, Credential) else str(c) for c in value)
        return value

    def clean(self, value):
        text = super().clean(value) or ""
        names = [line.strip() for line in text.splitlines() if line.strip()]
        found, unknown, seen = [], [], set()
        for name in names:
            credential = Credential.objects.filter(name=name).first()
            if credential is None and name.isdigit():
                credential = Credential.objects.filter(pk=int(name)).first()
            if credential is None:
                unknown.append(name)
            elif credential.pk in seen:
                raise ValidationError(f"{credential.name} is listed twice.")
            else:
                seen.add(credential.pk)
                found.append(credential)
        if unknown:
            raise ValidationError("No credential called " + ", ".join(repr(n[:100]) for n in unknown) + ".")
        return found


class CredentialSetForm(EstateModelForm):
    credentials = CredentialsInOrderField(
        label="Credentials, in order",
        help_text="One credential name a line. A scope tries them from the top until one works.",
    )

    class Meta:
        model = CredentialSet
        fields = ["name", "description", "approved_networks"]
        widgets = {"approved_networks": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "credentials" not in self.initial:
            self.initial["credentials"] = self.instance.ordered_credentials()
        names = list(Credential.objects.values_list("name", flat=True)[:30])
        if names:
            self.fields["credentials"].help_text += " Available: " + ", ".join(names) + "."


class ScopeForm(EstateModelForm):
    class Meta:
        model = Scope
        fields = ["name", "site", "targets", "exclusions", "credential_sets", "use_snmp", "use_ssh", "allow_tofu",
                  "snmp_port", "ssh_port", "snmp_timeout", "snmp_retries", "ssh_timeout", "concurrency", "description"]
        widgets = {"targets": forms.Textarea(attrs={"rows": 4}), "exclusions": forms.Textarea(attrs={"rows": 2})}


class ScopeBulkEditForm(BulkEditForm):
    site = forms.ModelChoiceField(queryset=Site.objects.all())
    snmp_timeout = forms.FloatField(min_value=0.1, max_value=60, label="SNMP timeout")
    snmp_retries = forms.IntegerField(min_value=0, max_value=5, label="SNMP retries")
    concurrency = forms.IntegerField(min_value=1, max_value=2000)
    description = forms.CharField(max_length=200)
    nullable_fields = ("description",)


class DiscoverForm(EstateForm):
    dry_run = forms.BooleanField(required=False, label="Dry run (show what would change, write nothing)")
    exclusions = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=100_000,
                                 help_text="Left out of this run as well as the scope's own exclusions.")


class DiscoveryRunStartForm(EstateForm):
    """An ad hoc run, as the API and `manage.py discover` start one: targets, site, credential sets, options."""

    targets = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=100_000,
        help_text="One a line: an address, a range (127.77.0.1-127.77.0.62), a CIDR or a name; optionally :port.")
    exclusions = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=100_000,
                                 help_text="Addresses, ranges or CIDRs to leave out, one a line.")
    site = forms.ModelChoiceField(queryset=Site.objects.all(), help_text="Where new devices are recorded.")
    credential_sets = forms.ModelMultipleChoiceField(
        queryset=CredentialSet.objects.all(), widget=forms.CheckboxSelectMultiple,
        help_text="Tried in name order, as a scope tries them (each set's credentials in the set's own order), "
                  "until one works.")
    port = forms.IntegerField(min_value=1, max_value=65535, required=False,
                              help_text="For every target without a port of its own (SNMP and SSH).")
    mode = forms.ChoiceField(choices=DiscoveryModeChoices.choices, initial=DiscoveryModeChoices.INVENTORY)
    allow_tofu = forms.BooleanField(
        required=False, label="Trust new SSH host keys",
        help_text="Offer SSH credentials to hosts whose key was never recorded, and record it. Off: such hosts get "
                  "no password or key.")
    dry_run = forms.BooleanField(required=False, label="Dry run (show what would change, write nothing)")
