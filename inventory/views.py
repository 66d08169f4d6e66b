"""Inventory pages: each model's list, detail, edit, delete and bulk views, declared explicitly."""

from __future__ import annotations

from estate.views import generic
from inventory import filtersets, forms, selectors, services, tables
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

# --- Sites -----------------------------------------------------------------------------------------------------------


class SiteListView(generic.ObjectListView):
    model = Site
    table_class = tables.SiteTable
    filterset_class = filtersets.SiteFilterSet

    def get_queryset(self):
        return selectors.site_list()


class SiteDetailView(generic.ObjectDetailView):
    model = Site

    def extra_context(self, obj):
        devices = tables.DeviceTable(selectors.device_list().filter(site=obj)[:25], orderable=False)
        devices.columns.hide("pk")
        return {"device_table": devices, "locations": obj.locations.all(),
                "device_count": obj.devices.count()}


class SiteEditView(generic.ObjectEditView):
    model = Site
    form_class = forms.SiteForm


class SiteDeleteView(generic.ObjectDeleteView):
    model = Site


class SiteBulkEditView(generic.BulkEditView):
    model = Site
    form_class = forms.SiteBulkEditForm


class SiteBulkDeleteView(generic.BulkDeleteView):
    model = Site


# --- Locations -------------------------------------------------------------------------------------------------------


class LocationListView(generic.ObjectListView):
    model = Location
    table_class = tables.LocationTable
    filterset_class = filtersets.LocationFilterSet

    def get_queryset(self):
        return selectors.location_list()


class LocationDetailView(generic.ObjectDetailView):
    model = Location

    def extra_context(self, obj):
        return {"device_count": obj.devices.count()}


class LocationEditView(generic.ObjectEditView):
    model = Location
    form_class = forms.LocationForm


class LocationDeleteView(generic.ObjectDeleteView):
    model = Location


class LocationBulkEditView(generic.BulkEditView):
    model = Location
    form_class = forms.SimpleBulkEditForm


class LocationBulkDeleteView(generic.BulkDeleteView):
    model = Location


# --- Manufacturers ---------------------------------------------------------------------------------------------------


class ManufacturerListView(generic.ObjectListView):
    model = Manufacturer
    table_class = tables.ManufacturerTable
    filterset_class = filtersets.ManufacturerFilterSet

    def get_queryset(self):
        return selectors.manufacturer_list()


class ManufacturerDetailView(generic.ObjectDetailView):
    model = Manufacturer

    def extra_context(self, obj):
        return {"hardware_models": obj.hardware_models.all()[:100], "device_count": obj.devices.count()}


class ManufacturerEditView(generic.ObjectEditView):
    model = Manufacturer
    form_class = forms.ManufacturerForm


class ManufacturerDeleteView(generic.ObjectDeleteView):
    model = Manufacturer


class ManufacturerBulkEditView(generic.BulkEditView):
    model = Manufacturer
    form_class = forms.SimpleBulkEditForm


class ManufacturerBulkDeleteView(generic.BulkDeleteView):
    model = Manufacturer


# --- Hardware models -------------------------------------------------------------------------------------------------


class HardwareModelListView(generic.ObjectListView):
    model = HardwareModel
    table_class = tables.HardwareModelTable
    filterset_class = filtersets.HardwareModelFilterSet

    def get_queryset(self):
        return selectors.hardware_model_list()


class HardwareModelDetailView(generic.ObjectDetailView):
    model = HardwareModel

    def extra_context(self, obj):
        return {"device_count": obj.devices.count()}


class HardwareModelEditView(generic.ObjectEditView):
    model = HardwareModel
    form_class = forms.HardwareModelForm


class HardwareModelDeleteView(generic.ObjectDeleteView):
    model = HardwareModel


class HardwareModelBulkEditView(generic.BulkEditView):
    model = HardwareModel
    form_class = forms.HardwareModelBulkEditForm


class HardwareModelBulkDeleteView(generic.BulkDeleteView):
    model = HardwareModel


# --- Platforms -------------------------------------------------------------------------------------------------------


class PlatformListView(generic.ObjectListView):
    model = Platform
    table_class = tables.PlatformTable
    filterset_class = filtersets.PlatformFilterSet

    def get_queryset(self):
        return selectors.platform_list()


class PlatformDetailView(generic.ObjectDetailView):
    model = Platform

    def extra_context(self, obj):
        return {"device_count": obj.devices.count()}


class PlatformEditView(generic.ObjectEditView):
    model = Platform
    form_class = forms.PlatformForm


class PlatformDeleteView(generic.ObjectDeleteView):
    model = Platform


class PlatformBulkEditView(generic.BulkEditView):
    model = Platform
    form_class = forms.SimpleBulkEditForm


class PlatformBulkDeleteView(generic.BulkDeleteView):
    model = Platform


# --- Tags ------------------------------------------------------------------------------------------------------------


class TagListView(generic.ObjectListView):
    model = Tag
    table_class = tables.TagTable
    filterset_class = filtersets.TagFilterSet


class TagDetailView(generic.ObjectDetailView):
    model = Tag

    def extra_context(self, obj):
        return {"device_count": obj.devices.count()}


class TagEditView(generic.ObjectEditView):
    model = Tag
    form_class = forms.TagForm


class TagDeleteView(generic.ObjectDeleteView):
    model = Tag


class TagBulkEditView(generic.BulkEditView):
    model = Tag
    form_class = forms.SimpleBulkEditForm


class TagBulkDeleteView(generic.BulkDeleteView):
    model = Tag


# --- Devices ---------------------------------------------------------------------------------------------------------


class DeviceListView(generic.ObjectListView):
    model = Device
    table_class = tables.DeviceTable
    filterset_class = filtersets.DeviceFilterSet
    template_name = "inventory/device_list.html"

    def get_queryset(self):
        return selectors.device_list()


class DeviceDetailView(generic.ObjectDetailView):
    model = Device

    def get_queryset(self):
        return selectors.device_detail()

    def extra_context(self, obj):
        return selectors.device_related(device=obj)


class DeviceEditView(generic.ObjectEditView):
    model = Device
    form_class = forms.DeviceForm

    def save(self, form):
        m2m = {"tags": form.cleaned_data.get("tags", [])}
        return services.device_save_by_person(device=form.instance, changed_fields=form.changed_data, m2m=m2m)


class DeviceDeleteView(generic.ObjectDeleteView):
    model = Device


class DeviceBulkEditView(generic.BulkEditView):
    model = Device
    form_class = forms.DeviceBulkEditForm

    def bulk_update(self, *, queryset, changes, m2m_add) -> int:
        return services.devices_bulk_edit(queryset=queryset, changes=changes, m2m_add=m2m_add)


class DeviceBulkDeleteView(generic.BulkDeleteView):
    model = Device


# --- Interfaces ------------------------------------------------------------------------------------------------------


class InterfaceListView(generic.ObjectListView):
    model = Interface
    table_class = tables.InterfaceTable
    filterset_class = filtersets.InterfaceFilterSet

    def get_queryset(self):
        return selectors.interface_list()


class InterfaceDetailView(generic.ObjectDetailView):
    model = Interface

    def extra_context(self, obj):
        return {"ip_addresses": obj.ip_addresses.all()}


class InterfaceEditView(generic.ObjectEditView):
    model = Interface
    form_class = forms.InterfaceForm


class InterfaceDeleteView(generic.ObjectDeleteView):
    model = Interface


class InterfaceBulkEditView(generic.BulkEditView):
    model = Interface
    form_class = forms.InterfaceBulkEditForm


class InterfaceBulkDeleteView(generic.BulkDeleteView):
    model = Interface


# --- IP addresses ----------------------------------------------------------------------------------------------------


class IPAddressListView(generic.ObjectListView):
    model = IPAddress
    table_class = tables.IPAddressTable
    filterset_class = filtersets.IPAddressFilterSet

    def get_queryset(self):
        return selectors.ip_address_list()


class IPAddressDetailView(generic.ObjectDetailView):
    model = IPAddress


class IPAddressEditView(generic.ObjectEditView):
    model = IPAddress
    form_class = forms.IPAddressForm


class IPAddressDeleteView(generic.ObjectDeleteView):
    model = IPAddress


class IPAddressBulkEditView(generic.BulkEditView):
    model = IPAddress
    form_class = forms.SimpleBulkEditForm


class IPAddressBulkDeleteView(generic.BulkDeleteView):
    model = IPAddress


# --- Installed software ----------------------------------------------------------------------------------------------


class InstalledSoftwareListView(generic.ObjectListView):
    model = InstalledSoftware
    table_class = tables.InstalledSoftwareTable
    filterset_class = filtersets.InstalledSoftwareFilterSet

    def get_queryset(self):
        return selectors.installed_software_list()


class InstalledSoftwareDetailView(generic.ObjectDetailView):
    model = InstalledSoftware


class InstalledSoftwareEditView(generic.ObjectEditView):
    model = InstalledSoftware
    form_class = forms.InstalledSoftwareForm


class InstalledSoftwareDeleteView(generic.ObjectDeleteView):
    model = InstalledSoftware


class InstalledSoftwareBulkEditView(generic.BulkEditView):
    model = InstalledSoftware
    form_class = forms.SoftwareBulkEditForm


class InstalledSoftwareBulkDeleteView(generic.BulkDeleteView):
    model = InstalledSoftware


# --- Applications ----------------------------------------------------------------------------------------------------


class ApplicationListView(generic.ObjectListView):
    model = Application
    table_class = tables.ApplicationTable
    filterset_class = filtersets.ApplicationFilterSet

    def get_queryset(self):
        return selectors.application_list()


class ApplicationDetailView(generic.ObjectDetailView):
    model = Application

    def extra_context(self, obj):
        return {
            "devices": selectors.device_list().filter(applications=obj),
            "dependencies": selectors.dependency_list().filter(source_application=obj)
            | selectors.dependency_list().filter(target_application=obj),
        }


class ApplicationEditView(generic.ObjectEditView):
    model = Application
    form_class = forms.ApplicationForm


class ApplicationDeleteView(generic.ObjectDeleteView):
    model = Application


class ApplicationBulkEditView(generic.BulkEditView):
    model = Application
    form_class = forms.ApplicationBulkEditForm


class ApplicationBulkDeleteView(generic.BulkDeleteView):
    model = Application


# --- Dependencies ----------------------------------------------------------------------------------------------------


class DependencyListView(generic.ObjectListView):
    model = Dependency
    table_class = tables.DependencyTable
    filterset_class = filtersets.DependencyFilterSet

    def get_queryset(self):
        return selectors.dependency_list()


class DependencyDetailView(generic.ObjectDetailView):
    model = Dependency


class DependencyEditView(generic.ObjectEditView):
    model = Dependency
    form_class = forms.DependencyForm


class DependencyDeleteView(generic.ObjectDeleteView):
    model = Dependency


class DependencyBulkEditView(generic.BulkEditView):
    model = Dependency
    form_class = forms.DependencyBulkEditForm


class DependencyBulkDeleteView(generic.BulkDeleteView):
    model = Dependency
