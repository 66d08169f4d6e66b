from inventory.models.applications import Application, Dependency
from inventory.models.devices import Device, Interface, InstalledSoftware, IPAddress
from inventory.models.organisation import HardwareModel, Location, Manufacturer, Platform, Site, Tag

__all__ = [
    "Application",
    "Dependency",
    "Device",
    "HardwareModel",
    "IPAddress",
    "InstalledSoftware",
    "Interface",
    "Location",
    "Manufacturer",
    "Platform",
    "Site",
    "Tag",
]
