from inventory.models.applications import Application, Dependency
from inventory.models.devices import Device, InstalledSoftware, Interface, IPAddress
from inventory.models.lifecycle import (
    Finding,
    HardwareNotice,
    LifecycleCycle,
    LifecyclePolicy,
    LifecycleProduct,
    VersionMapping,
)
from inventory.models.organisation import HardwareModel, Location, Manufacturer, Platform, Site, Tag
from inventory.models.provenance import FieldProvenance, ProposedChange

__all__ = [
    "Application",
    "Dependency",
    "Device",
    "FieldProvenance",
    "Finding",
    "HardwareModel",
    "HardwareNotice",
    "IPAddress",
    "InstalledSoftware",
    "Interface",
    "LifecycleCycle",
    "LifecyclePolicy",
    "LifecycleProduct",
    "Location",
    "Manufacturer",
    "Platform",
    "ProposedChange",
    "Site",
    "Tag",
    "VersionMapping",
]
