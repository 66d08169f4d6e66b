"""Edit and bulk-edit forms for inventory objects."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from estate.forms import BulkEditForm, EstateModelForm
from inventory.choices import CriticalityChoices, DeviceKindChoices, DeviceStatusChoices
from inventory.models import (
    Application,
    Dependency,
    Device,
    HardwareModel,
    InstalledSoftware,
    Interface,
    IPAddress,
    Location,
    Manufacturer,
    Platform,
    Site,
    Tag,
)
from inventory.models.devices import DISCOVERABLE_FIELDS


class DeviceField(forms.ModelChoiceField):
    """A device by id or by name, typed into a text box: a select of 100,000 devices is unusable."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Device name or id")
        super().__init__(queryset=Device.objects.all(), **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Device):
            return value.name
        if isinstance(value, int):
            device = Device.objects.filter(pk=value).only("name").first()
            return device.name if device else value
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        if value.isdigit():
            device = Device.objects.filter(pk=int(value)).first()
            if device:
                return device
        matches = list(Device.objects.filter(name=value)[:2])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ValidationError("Several devices have this name: give its id instead.")
        raise ValidationError("No device with this name or id.")


def _choices_with_blank(choices):
    return [("", "— leave as is —"), *choices]


class TagForm(EstateModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug", "color", "description"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}


class SiteForm(EstateModelForm):
    class Meta:
        model = Site
        fields = ["name", "slug", "address", "time_zone", "description", "comments", "tags"]


class LocationForm(EstateModelForm):
    class Meta:
        model = Location
        fields = ["site", "name", "slug", "description", "comments", "tags"]


class ManufacturerForm(EstateModelForm):
    class Meta:
        model = Manufacturer
        fields = ["name", "slug", "description", "comments", "tags"]


class HardwareModelForm(EstateModelForm):
    class Meta:
        model = HardwareModel
        fields = ["manufacturer", "model", "slug", "part_number", "kind", "release_date", "end_of_sale",
                  "end_of_support", "unit_cost", "description", "comments", "tags"]
        widgets = dict.fromkeys(("release_date", "end_of_sale", "end_of_support"), forms.DateInput)


class PlatformForm(EstateModelForm):
    class Meta:
        model = Platform
        fields = ["name", "slug", "manufacturer", "description", "comments", "tags"]


class DeviceForm(EstateModelForm):
    locked_fields = forms.MultipleChoiceField(
        choices=[(f, f.replace("_", " ")) for f in DISCOVERABLE_FIELDS], required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Discovery will not overwrite these. Fields you change here are locked automatically.",
    )

    class Meta:
        model = Device
        fields = ["name", "kind", "status", "site", "location", "manufacturer", "hardware_model", "serial",
                  "asset_tag", "platform", "os_version", "firmware", "primary_ip", "management_ip", "purchase_date",
                  "warranty_end", "purchase_cost", "department", "criticality", "description", "comments", "tags",
                  "locked_fields"]
        widgets = {"purchase_date": forms.DateInput, "warranty_end": forms.DateInput}


class InterfaceForm(EstateModelForm):
    device = DeviceField()

    class Meta:
        model = Interface
        fields = ["device", "name", "type", "mac_address", "speed", "enabled", "description"]


class IPAddressForm(EstateModelForm):
    device = DeviceField()

    class Meta:
        model = IPAddress
        fields = ["device", "address", "prefix_length", "interface", "dns_name", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        device_id = self.instance.device_id if self.instance.pk else self.initial.get("device")
        self.fields["interface"].queryset = Interface.objects.filter(device_id=device_id) if device_id else (
            Interface.objects.none())
        if self.is_bound:
            self.fields["interface"].queryset = Interface.objects.all()  # validated against the device in clean()


class InstalledSoftwareForm(EstateModelForm):
    device = DeviceField()

    class Meta:
        model = InstalledSoftware
        fields = ["device", "product", "vendor", "version", "install_date"]
        widgets = {"install_date": forms.DateInput}


class ApplicationForm(EstateModelForm):
    class Meta:
        model = Application
        fields = ["name", "slug", "owner", "department", "criticality", "vendor", "product", "version", "support_end",
                  "contract_end", "renewal_cost", "description", "comments", "tags"]


class DependencyForm(EstateModelForm):
    source_device = DeviceField(required=False)
    target_device = DeviceField(required=False)

    class Meta:
        model = Dependency
        fields = ["source_device", "source_application", "target_device", "target_application", "protocol", "port",
                  "source", "description"]


class DeviceBulkEditForm(BulkEditForm):
    kind = forms.ChoiceField(choices=_choices_with_blank(DeviceKindChoices.choices))
    status = forms.ChoiceField(choices=_choices_with_blank(DeviceStatusChoices.choices))
    site = forms.ModelChoiceField(queryset=Site.objects.all())
    location = forms.ModelChoiceField(queryset=Location.objects.all())
    hardware_model = forms.ModelChoiceField(queryset=HardwareModel.objects.select_related("manufacturer"))
    platform = forms.ModelChoiceField(queryset=Platform.objects.all())
    os_version = forms.CharField(max_length=255, label="Platform version")
    department = forms.CharField(max_length=100)
    criticality = forms.ChoiceField(choices=_choices_with_blank(CriticalityChoices.choices))
    warranty_end = forms.DateField(widget=forms.DateInput)
    tags = forms.ModelMultipleChoiceField(queryset=Tag.objects.all(), label="Add tags")
    nullable_fields = ("location", "hardware_model", "platform", "os_version", "department", "warranty_end")
    m2m_add_fields = ("tags",)


class SiteBulkEditForm(BulkEditForm):
    time_zone = forms.CharField(max_length=64)
    description = forms.CharField(max_length=200)
    nullable_fields = ("description",)


class SimpleBulkEditForm(BulkEditForm):
    description = forms.CharField(max_length=200)
    nullable_fields = ("description",)


class HardwareModelBulkEditForm(BulkEditForm):
    kind = forms.ChoiceField(choices=_choices_with_blank(DeviceKindChoices.choices))
    end_of_sale = forms.DateField(widget=forms.DateInput)
    end_of_support = forms.DateField(widget=forms.DateInput)
    unit_cost = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    nullable_fields = ("end_of_sale", "end_of_support", "unit_cost")


class InterfaceBulkEditForm(BulkEditForm):
    enabled = forms.NullBooleanField(widget=forms.Select(choices=[("", "— leave as is —"), ("true", "Yes"),
                                                                  ("false", "No")]))
    description = forms.CharField(max_length=200)
    nullable_fields = ("description",)


class SoftwareBulkEditForm(BulkEditForm):
    vendor = forms.CharField(max_length=100)
    nullable_fields = ("vendor",)


class ApplicationBulkEditForm(BulkEditForm):
    owner = forms.CharField(max_length=100)
    department = forms.CharField(max_length=100)
    criticality = forms.ChoiceField(choices=_choices_with_blank(CriticalityChoices.choices))
    nullable_fields = ("owner", "department")


class DependencyBulkEditForm(BulkEditForm):
    description = forms.CharField(max_length=200)
    nullable_fields = ("description",)
