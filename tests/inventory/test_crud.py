"""CRUD × permission tests for every inventory model, API and pages."""

from __future__ import annotations

from inventory import models as inv
from tests import factories as f
from tests.utils.cases import APITestCases, ViewTestCases

API = "/api/inventory/"


class TagAPITest(APITestCases.CRUD):
    model = inv.Tag
    url = API + "tags/"
    update_payload = {"description": "Public Services Network"}
    invalid_payload = {"color": "#zzzzzzzzzz"}

    def make(self):
        return f.TagFactory()

    def create_payloads(self):
        return [{"name": "PSN", "slug": "psn"}, {"name": "Cloud candidate", "slug": "cloud-candidate"}]


class TagViewTest(ViewTestCases.CRUD):
    model = inv.Tag
    bulk_edit_data = {"description": "bulk"}

    def make(self):
        return f.TagFactory()

    def form_data(self):
        return {"name": "PSN", "slug": "psn", "color": "#112233"}


class SiteAPITest(APITestCases.CRUD):
    model = inv.Site
    url = API + "sites/"
    update_payload = {"address": "Civic Centre, Market Square"}
    invalid_payload = {"slug": "not a slug!"}

    def make(self):
        return f.SiteFactory()

    def create_payloads(self):
        return [{"name": "Town Hall", "slug": "town-hall"}, {"name": "Depot", "slug": "depot"}]


class SiteViewTest(ViewTestCases.CRUD):
    model = inv.Site
    bulk_edit_data = {"description": "bulk edited"}

    def make(self):
        return f.SiteFactory()

    def form_data(self):
        return {"name": "Town Hall", "slug": "town-hall", "time_zone": "Europe/London"}


class LocationAPITest(APITestCases.CRUD):
    model = inv.Location
    url = API + "locations/"
    update_payload = {"description": "Second floor comms room"}
    invalid_payload = {"site": 999999}

    def setUp(self):
        self.site = f.SiteFactory()

    def make(self):
        return f.LocationFactory(site=self.site)

    def create_payloads(self):
        return [{"site": self.site.pk, "name": "Comms room", "slug": "comms"},
                {"site": self.site.pk, "name": "Basement", "slug": "basement"}]


class LocationViewTest(ViewTestCases.CRUD):
    model = inv.Location
    bulk_edit_data = {"description": "bulk"}

    def make(self):
        return f.LocationFactory()

    def form_data(self):
        return {"site": f.SiteFactory().pk, "name": "Comms room", "slug": "comms"}


class ManufacturerAPITest(APITestCases.CRUD):
    model = inv.Manufacturer
    url = API + "manufacturers/"
    update_payload = {"description": "Servers and storage"}
    invalid_payload = {"name": ""}

    def make(self):
        return f.ManufacturerFactory()

    def create_payloads(self):
        return [{"name": "Dell", "slug": "dell"}, {"name": "Mitel", "slug": "mitel"}]


class ManufacturerViewTest(ViewTestCases.CRUD):
    model = inv.Manufacturer
    bulk_edit_data = {"description": "bulk"}

    def make(self):
        return f.ManufacturerFactory()

    def form_data(self):
        return {"name": "Dell", "slug": "dell"}


class HardwareModelAPITest(APITestCases.CRUD):
    model = inv.HardwareModel
    url = API + "hardware-models/"
    update_payload = {"end_of_support": "2027-01-31"}
    invalid_payload = {"end_of_sale": "2030-01-01", "end_of_support": "2025-01-01"}

    def setUp(self):
        self.maker = f.ManufacturerFactory()

    def make(self):
        return f.HardwareModelFactory(manufacturer=self.maker)

    def create_payloads(self):
        return [{"manufacturer": self.maker.pk, "model": "PowerEdge R740", "slug": "poweredge-r740", "kind": "server"},
                {"manufacturer": self.maker.pk, "model": "OptiPlex 7010", "slug": "optiplex-7010", "kind": "desktop"}]


class HardwareModelViewTest(ViewTestCases.CRUD):
    model = inv.HardwareModel
    bulk_edit_data = {"kind": "desktop"}

    def make(self):
        return f.HardwareModelFactory()

    def form_data(self):
        return {"manufacturer": f.ManufacturerFactory().pk, "model": "PowerEdge R740", "slug": "r740", "kind": "server"}


class PlatformAPITest(APITestCases.CRUD):
    model = inv.Platform
    url = API + "platforms/"
    update_payload = {"description": "Microsoft server OS"}
    invalid_payload = {"manufacturer": 424242}

    def make(self):
        return f.PlatformFactory()

    def create_payloads(self):
        return [{"name": "Windows Server", "slug": "windows-server"}, {"name": "Ubuntu", "slug": "ubuntu"}]


class PlatformViewTest(ViewTestCases.CRUD):
    model = inv.Platform
    bulk_edit_data = {"description": "bulk"}

    def make(self):
        return f.PlatformFactory()

    def form_data(self):
        return {"name": "Ubuntu", "slug": "ubuntu"}


class DeviceAPITest(APITestCases.CRUD):
    model = inv.Device
    url = API + "devices/"
    update_payload = {"status": "decommissioning", "department": "Revenues"}
    invalid_payload = {"purchase_date": "2024-05-01", "warranty_end": "2020-01-01"}

    def setUp(self):
        self.site = f.SiteFactory()

    def make(self):
        return f.DeviceFactory(site=self.site)

    def create_payloads(self):
        return [{"name": "th-sql01", "kind": "server", "site": self.site.pk, "serial": "CZ1234567"},
                {"name": "th-pc-0042", "kind": "desktop", "site": self.site.pk, "purchase_date": "2018-04-01"}]


class DeviceViewTest(ViewTestCases.CRUD):
    model = inv.Device
    bulk_edit_data = {"status": "offline"}

    def make(self):
        return f.DeviceFactory()

    def form_data(self):
        return {"name": "th-sql01", "kind": "server", "status": "active", "site": f.SiteFactory().pk,
                "criticality": "high"}


class InterfaceAPITest(APITestCases.CRUD):
    model = inv.Interface
    url = API + "interfaces/"
    update_payload = {"enabled": False}
    invalid_payload = {"mac_address": "not-a-mac"}

    def setUp(self):
        self.device = f.DeviceFactory()

    def make(self):
        return f.InterfaceFactory(device=self.device)

    def create_payloads(self):
        return [{"device": self.device.pk, "name": "Gi1/0/1", "mac_address": "00-1a-2b-3c-4d-5e"},
                {"device": self.device.pk, "name": "Gi1/0/2"}]


class InterfaceViewTest(ViewTestCases.CRUD):
    model = inv.Interface
    bulk_edit_data = {"description": "uplink"}

    def make(self):
        return f.InterfaceFactory()

    def form_data(self):
        return {"device": f.DeviceFactory().pk, "name": "eth0", "type": "ethernet", "enabled": "on"}


class IPAddressAPITest(APITestCases.CRUD):
    model = inv.IPAddress
    url = API + "ip-addresses/"
    update_payload = {"dns_name": "th-sql01.council.example"}
    invalid_payload = {"address": "300.1.1.1"}

    def setUp(self):
        self.device = f.DeviceFactory()

    def make(self):
        return f.IPAddressFactory(device=self.device)

    def create_payloads(self):
        return [{"device": self.device.pk, "address": "192.0.2.10", "prefix_length": 24},
                {"device": self.device.pk, "address": "2001:db8::10", "prefix_length": 64}]


class IPAddressViewTest(ViewTestCases.CRUD):
    model = inv.IPAddress
    bulk_edit_data = {"description": "bulk"}

    def make(self):
        return f.IPAddressFactory()

    def form_data(self):
        return {"device": f.DeviceFactory().pk, "address": "192.0.2.20", "prefix_length": 24}


class InstalledSoftwareAPITest(APITestCases.CRUD):
    model = inv.InstalledSoftware
    url = API + "software/"
    update_payload = {"vendor": "Microsoft"}
    invalid_payload = {"install_date": "31/02/2020"}

    def setUp(self):
        self.device = f.DeviceFactory()

    def make(self):
        return f.InstalledSoftwareFactory(device=self.device)

    def create_payloads(self):
        return [{"device": self.device.pk, "product": "SQL Server 2014", "version": "12.0.6024.0"},
                {"device": self.device.pk, "product": "openssh-server", "version": "1:9.2p1-2"}]


class InstalledSoftwareViewTest(ViewTestCases.CRUD):
    model = inv.InstalledSoftware
    bulk_edit_data = {"vendor": "Canonical"}

    def make(self):
        return f.InstalledSoftwareFactory()

    def form_data(self):
        return {"device": f.DeviceFactory().pk, "product": "SQL Server 2014", "version": "12.0"}


class ApplicationAPITest(APITestCases.CRUD):
    model = inv.Application
    url = API + "applications/"
    update_payload = {"owner": "Head of Revenues"}
    invalid_payload = {"criticality": "apocalyptic"}

    def make(self):
        return f.ApplicationFactory()

    def create_payloads(self):
        device = f.DeviceFactory()
        return [{"name": "Revenues & Benefits", "slug": "revs-bens", "criticality": "critical", "devices": [device.pk]},
                {"name": "Housing", "slug": "housing"}]


class ApplicationViewTest(ViewTestCases.CRUD):
    model = inv.Application
    bulk_edit_data = {"criticality": "high"}

    def make(self):
        return f.ApplicationFactory()

    def form_data(self):
        return {"name": "Housing", "slug": "housing", "criticality": "high"}


class DependencyAPITest(APITestCases.CRUD):
    model = inv.Dependency
    url = API + "dependencies/"
    update_payload = {"port": 1433}
    invalid_payload = {"target_device": None, "target_application": None}

    def setUp(self):
        self.a, self.b = f.DeviceFactory(), f.DeviceFactory()
        self.app = f.ApplicationFactory()

    def make(self):
        return f.DependencyFactory(source_device=f.DeviceFactory(), target_device=self.b)

    def create_payloads(self):
        return [{"source_device": self.a.pk, "target_device": self.b.pk, "protocol": "tcp", "port": 1433},
                {"source_application": self.app.pk, "target_device": self.b.pk}]


class DependencyViewTest(ViewTestCases.CRUD):
    model = inv.Dependency
    bulk_edit_data = {"description": "bulk"}

    def make(self):
        return f.DependencyFactory()

    def form_data(self):
        return {"source_device": f.DeviceFactory().pk, "target_device": f.DeviceFactory().pk, "protocol": "tcp",
                "port": 443, "source": "manual"}
