"""Spreadsheet import: mapping, parsing, preview, all-or-nothing, matching, audit, hostile input, UI, API, command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from estate.services import default_groups_ensure, token_create
from inventory import importing as imp
from inventory.choices import DeviceKindChoices, DeviceStatusChoices
from inventory.models import Application, Device, HardwareModel, Location, Manufacturer, Platform, Site
from inventory.services_import import import_apply, import_preview
from tests import factories as f
from tests.inventory import council_register as council

_TMP = tempfile.mkdtemp(prefix="estate-import-test-")


def make_sites() -> None:
    for name in council.SITES:
        f.SiteFactory(name=name, slug=name.lower().replace(" ", "-"))


def simple_csv(rows: list[list[str]], headers: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers or ["Hostname", "Serial No.", "Make", "Model", "Building", "Purchase Date", "Cost"])
    writer.writerows(rows)
    return out.getvalue().encode()


def ten_rows(bad_row: int | None = None) -> list[list[str]]:
    rows = [[f"PC-{i:03d}", f"SN{i:05d}", "Dell", "OptiPlex 7010", "Town Hall", "01/04/2018", "£500"]
            for i in range(1, 11)]
    if bad_row is not None:
        rows[bad_row - 2][5] = "31/13/2018"  # row numbers count the header as row 1, as Excel shows them
    return rows


# --- Pure parsing ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,expected", [
    ("31/03/2019", dt.date(2019, 3, 31)), ("1/4/19", dt.date(2019, 4, 1)), ("01/04/2019", dt.date(2019, 4, 1)),
    ("1 Apr 2019", dt.date(2019, 4, 1)), ("1 April 2019", dt.date(2019, 4, 1)), ("01-Apr-2019", dt.date(2019, 4, 1)),
    ("2019-04-01", dt.date(2019, 4, 1)), ("2019-04-01 00:00:00", dt.date(2019, 4, 1)),
    ("31.12.2020", dt.date(2020, 12, 31)), (dt.datetime(2019, 4, 1, 0, 0), dt.date(2019, 4, 1)),
    (43556, dt.date(2019, 4, 1)), ("", None), ("N/A", None),
])
def test_uk_dates(text, expected):
    assert imp.parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/13/2019", "29/02/2019", "next Tuesday", "2019/31/01"])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError):
        imp.parse_date(text)


def test_header_synonyms():
    headers = ["Hostname", "Computer Name", "Asset Name", "Serial No.", "Serial Number", "Asset No", "Asset Tag",
               "Make", "Vendor", "Model", "OS", "Operating System", "Location", "Building", "Room", "Purchase Date",
               "Date Purchased", "Warranty Expiry", "Cost", "Price", "Department", "Service", "IP Address",
               "Type", "Device Type", "Category"]
    assert imp.guess_field("Hostname", "devices") == "name"
    assert imp.guess_field("COMPUTER-NAME", "devices") == "name"
    assert imp.guess_field("asset name", "devices") == "name"
    for header in ("Serial No.", "Serial Number", "serial_number", "S/N"):
        assert imp.guess_field(header, "devices") == "serial", header
    for header, target in (("Asset No", "asset_tag"), ("Asset Tag", "asset_tag"), ("Make", "manufacturer"),
                           ("Vendor", "manufacturer"), ("Model", "hardware_model"), ("OS", "platform"),
                           ("Operating System", "platform"), ("Location", "site"), ("Building", "site"),
                           ("Site", "site"), ("Room", "location"), ("Purchase Date", "purchase_date"),
                           ("Date Purchased", "purchase_date"), ("Warranty Expiry", "warranty_end"),
                           ("Cost (£)", "purchase_cost"), ("Price", "purchase_cost"), ("Department", "department"),
                           ("Service", "department"), ("IP Address", "primary_ip"), ("Type", "kind"),
                           ("Category", "kind"), ("Device Type", "kind"), ("Application", "")):
        assert imp.guess_field(header, "devices") == target, header
    mapping = imp.guess_mapping(headers, "devices")
    # Each field is taken by the first column that means it; later synonyms are ignored, not doubled up.
    assert mapping[0] == "name" and mapping[1] == "" and mapping[3] == "serial" and mapping[4] == ""
    assert imp.guess_mapping(["Site", "Address"], "sites") == ["name", "address"]
    assert imp.guess_mapping(["Make", "Model", "EOL"], "hardware-models") == ["manufacturer", "model", "end_of_sale"]


def test_value_parsers():
    assert imp.parse_decimal("£1,234.50") == Decimal("1234.50")
    assert imp.parse_decimal("GBP 99") == Decimal("99.00")
    assert imp.split_platform("Windows 10 Pro 22H2") == ("Windows", "10 Pro 22H2")
    assert imp.split_platform("Windows Server 2012 R2") == ("Windows Server", "2012 R2")
    assert imp.split_platform("Ubuntu 22.04 LTS") == ("Ubuntu", "22.04 LTS")
    assert imp.parse_kind("Desktop PC") == DeviceKindChoices.DESKTOP
    assert imp.parse_kind("MFD") == DeviceKindChoices.PRINTER
    assert imp.parse_kind("PBX / call manager") == DeviceKindChoices.PBX  # as exported
    assert imp.parse_kind("Virtual machine") == DeviceKindChoices.VIRTUAL_MACHINE
    assert imp.parse_status("In Use") == DeviceStatusChoices.ACTIVE
    assert imp.parse_ip("10.0.0.5/24") == "10.0.0.5"
    assert imp.parse_ip("DHCP") is None
    with pytest.raises(ValueError):
        imp.parse_kind("Toaster")
    with pytest.raises(ValueError):
        imp.parse_ip("10.0.0.300")


# --- Reading files ----------------------------------------------------------------------------------------------------


def _names(table: imp.Table) -> list[str]:
    return [row[1] for row in table.rows]


def test_csv_variants_read_the_same():
    expected = [r[1] for r in council.ROWS]
    variants = {
        "utf8-bom": b"\xef\xbb\xbf" + council.csv_text().encode("utf-8"),
        "cp1252-semicolon": council.csv_text(";").encode("cp1252"),
        "title-rows-tab": council.csv_text("\t", title=True).encode("utf-8"),
    }
    for label, data in variants.items():
        table = imp.read_table(data, "register.csv")
        assert table.headers == council.HEADERS, label
        assert _names(table) == expected, label
        assert table.rows[0][8] == "Ground Floor – Reception", label  # en dash survives Windows-1252
    assert imp.read_table(variants["cp1252-semicolon"]).encoding == "windows-1252"
    assert imp.read_table(variants["cp1252-semicolon"]).delimiter == ";"


def test_xlsx_fixture_reads_with_date_cells_and_formula_text():
    table = imp.read_table(council.XLSX_PATH.read_bytes(), "council_asset_register.xlsx")
    assert table.headers == council.HEADERS
    assert table.row_numbers[0] == 4  # title, blank, header
    assert isinstance(table.rows[0][12], dt.datetime)
    assert table.rows[3][16].startswith("=HYPERLINK(")  # the formula's text, never evaluated


@pytest.mark.parametrize("data,name,message", [
    (b"%PDF-1.7 binary", "register.pdf", "not a CSV or XLSX"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "register.xls", "old Excel"),
    (b"PK\x03\x04not really a zip", "register.xlsx", "damaged"),
    (b"", "empty.csv", "empty"),
    (b"just one cell\n", "one.csv", "header row"),
    (b"Hostname,Serial\n", "nodata.csv", "no data rows"),
])
def test_hostile_files_are_refused_clearly(data, name, message):
    with pytest.raises(imp.ImportFileError, match=message):
        imp.read_table(data, name)


def test_caps_on_size_and_rows(monkeypatch):
    monkeypatch.setattr(imp, "MAX_BYTES", 1000)
    with pytest.raises(imp.ImportFileError, match="too large"):
        imp.read_table(b"Hostname,Serial\n" + b"a,b\n" * 500)
    monkeypatch.setattr(imp, "MAX_BYTES", 20 * 1024 * 1024)
    monkeypatch.setattr(imp, "MAX_ROWS", 50)
    with pytest.raises(imp.ImportFileError, match="rows"):
        imp.read_table(b"Hostname,Serial\n" + b"a,b\n" * 100)


# --- Services ---------------------------------------------------------------------------------------------------------


class ImportServiceTest(TestCase):
    def setUp(self):
        make_sites()
        self.user = f.UserFactory(username="importer")

    def test_council_register_xlsx_preview_changes_nothing_then_applies(self):
        data = council.XLSX_PATH.read_bytes()
        before = (Device.objects.count(), Manufacturer.objects.count(), LogEntry.objects.count())
        result = import_preview(data=data, filename="council_asset_register.xlsx")
        self.assertTrue(result.is_valid, result.errors)
        self.assertEqual(result.counts["create"], len(council.ROWS))
        self.assertIn("will create 8 manufacturers", " ".join(result.will_create_text()))
        self.assertEqual((Device.objects.count(), Manufacturer.objects.count(), LogEntry.objects.count()), before)
        mapping = dict(zip(result.headers, result.mapping, strict=True))
        self.assertEqual(mapping["Assigned User"], "")
        self.assertEqual(mapping["Computer Name"], "name")

        result = import_apply(data=data, filename="council_asset_register.xlsx", user=self.user)
        self.assertTrue(result.applied, result.errors)
        self.assertEqual(Device.objects.count(), len(council.ROWS))
        pc = Device.objects.select_related("hardware_model", "platform", "location", "site").get(name="TH-PC-0001")
        self.assertEqual(pc.kind, DeviceKindChoices.DESKTOP)
        self.assertEqual((pc.platform.name, pc.os_version), ("Windows", "10 Pro 22H2"))
        self.assertEqual(str(pc.hardware_model), "Dell OptiPlex 7010")
        self.assertEqual(pc.location.name, "Ground Floor – Reception")
        self.assertEqual(pc.purchase_date, dt.date(2016, 4, 1))
        self.assertEqual(pc.warranty_end, dt.date(2019, 4, 1))
        self.assertEqual(pc.purchase_cost, Decimal("549.00"))
        self.assertEqual(pc.asset_tag, "TH-0001")
        self.assertEqual(Device.objects.get(name="TH-PC-0002").purchase_date, dt.date(2016, 4, 1))  # "1 Apr 2016"
        laptop = Device.objects.get(name="TH-LT-0003")
        self.assertEqual(laptop.description, "<script>alert('x')</script>")  # stored as text
        self.assertEqual(str(laptop.hardware_model.model), "EliteBook 840 G5")
        self.assertTrue(Device.objects.get(name="TH-LT-0004").description.startswith("=HYPERLINK("))
        self.assertEqual(Device.objects.get(name="CL-PRN-01").status, DeviceStatusChoices.RETIRED)
        self.assertEqual(Device.objects.get(name="CL-SRV-01").warranty_end, dt.date(2024, 3, 31))
        self.assertEqual(Device.objects.get(name="TH-PRN-01").purchase_date, dt.date(2018, 2, 3))  # "3/2/18"
        self.assertEqual(Location.objects.filter(site__name="Town Hall").count(), 3)

    def test_csv_variants_import(self):
        for data in (b"\xef\xbb\xbf" + council.csv_text().encode(), council.csv_text(";").encode("cp1252")):
            result = import_preview(data=data, filename="register.csv")
            self.assertTrue(result.is_valid, result.errors)
            self.assertEqual(result.counts["create"], len(council.ROWS))

    def test_one_bad_row_commits_nothing_and_names_row_and_field(self):
        data = simple_csv(ten_rows(bad_row=7))
        result = import_apply(data=data, filename="x.csv", user=self.user)
        self.assertFalse(result.applied)
        self.assertEqual(Device.objects.count(), 0)
        self.assertEqual(Manufacturer.objects.count(), 0)  # referenced objects are not left behind either
        self.assertEqual(len(result.errors), 1)
        self.assertTrue(result.errors[0].startswith("Row 7, purchase_date: "), result.errors)
        self.assertEqual([r.action for r in result.rows].count("error"), 1)

    def test_unknown_site_is_an_error_unless_create_missing_sites(self):
        data = simple_csv([["PC-1", "S1", "Dell", "OptiPlex", "Nowhere House", "", ""]])
        result = import_apply(data=data, filename="x.csv")
        self.assertFalse(result.applied)
        self.assertIn("Row 2, site: no site “Nowhere House”", result.errors[0])
        result = import_apply(data=data, filename="x.csv", create_missing_sites=True)
        self.assertTrue(result.applied, result.errors)
        self.assertTrue(Site.objects.filter(name="Nowhere House").exists())

    def test_existing_devices_are_updated_not_duplicated(self):
        import_apply(data=simple_csv(ten_rows()), filename="x.csv")
        ids = set(Device.objects.values_list("pk", flat=True))
        rows = ten_rows()
        rows[0][6] = "£600"  # PC-001's cost changes
        rows[1][0] = "PC-002-RENAMED"  # matched by serial + manufacturer, renamed
        result = import_apply(data=simple_csv(rows), filename="x.csv")
        self.assertTrue(result.applied, result.errors)
        self.assertEqual(result.counts, {"create": 0, "update": 2, "skip": 8, "error": 0})
        self.assertEqual(set(Device.objects.values_list("pk", flat=True)), ids)
        self.assertEqual(Device.objects.get(name="PC-001").purchase_cost, Decimal("600.00"))
        self.assertTrue(Device.objects.filter(name="PC-002-RENAMED", serial="SN00002").exists())
        # Matched by asset tag, then by name + site:
        Device.objects.filter(name="PC-003").update(asset_tag="A-3")
        result = import_preview(data=simple_csv([["PC-003", "", "", "", "Town Hall", "", "9"]]), filename="x.csv")
        self.assertEqual(result.rows[0].action, "update")
        self.assertEqual(result.rows[0].changes["purchase_cost"], ["500.00", "9.00"])

    def test_skip_existing(self):
        import_apply(data=simple_csv(ten_rows()), filename="x.csv")
        rows = ten_rows()
        rows[0][6] = "£600"
        rows.append(["PC-011", "SN00011", "Dell", "OptiPlex 7010", "Town Hall", "", ""])
        result = import_apply(data=simple_csv(rows), filename="x.csv", on_existing="skip")
        self.assertEqual(result.counts, {"create": 1, "update": 0, "skip": 10, "error": 0})
        self.assertEqual(Device.objects.get(name="PC-001").purchase_cost, Decimal("500.00"))

    def test_duplicates_within_the_file_are_errors(self):
        rows = ten_rows()
        rows[5][1] = rows[2][1]  # the same serial twice
        result = import_preview(data=simple_csv(rows), filename="x.csv")
        self.assertIn("Row 7, serial: the same serial as row 4", result.errors)

    def test_audit_entries_have_actor_and_import_id(self):
        result = import_apply(data=simple_csv(ten_rows()), filename="x.csv", user=self.user)
        cid = f"import:{result.import_id}"
        ct = ContentType.objects.get_for_model(Device)
        entries = LogEntry.objects.filter(content_type=ct, action=LogEntry.Action.CREATE)
        self.assertEqual(entries.count(), 10)
        self.assertEqual(set(entries.values_list("cid", flat=True)), {cid})
        self.assertEqual(set(entries.values_list("actor", flat=True)), {self.user.pk})
        device = Device.objects.get(name="PC-001")
        entry = LogEntry.objects.get_for_object(device).get()
        self.assertEqual(entry.changes_dict["serial"], ["None", "SN00001"])
        # Referenced objects created on the fly are audited too, under the same id.
        mf = Manufacturer.objects.get(name="Dell")
        self.assertEqual(LogEntry.objects.get_for_object(mf).get().cid, cid)
        rows = ten_rows()
        rows[0][6] = "700"
        result = import_apply(data=simple_csv(rows), filename="x.csv", user=self.user)
        update = LogEntry.objects.get_for_object(device).filter(action=LogEntry.Action.UPDATE).get()
        self.assertEqual(update.changes_dict["purchase_cost"], ["500.00", "700.00"])
        self.assertEqual((update.actor, update.cid), (self.user, f"import:{result.import_id}"))

    def test_other_models(self):
        sites = simple_csv([["Civic Centre", "Market Square"], ["Town Hall", "2 Market Place"]],
                           headers=["Site", "Address"])
        result = import_apply(data=sites, filename="sites.csv", model="sites")
        self.assertEqual(result.counts, {"create": 1, "update": 1, "skip": 0, "error": 0}, result.errors)
        self.assertEqual(Site.objects.get(name="Town Hall").address, "2 Market Place")
        models = simple_csv([["Cisco", "Catalyst 2960-X", "Switch", "31/10/2022", "31/10/2027", "£1,500"]],
                            headers=["Make", "Model", "Type", "End of Sale", "End of Support", "Unit Cost"])
        result = import_apply(data=models, filename="m.csv", model="hardware-models")
        self.assertTrue(result.applied, result.errors)
        hm = HardwareModel.objects.get(model="Catalyst 2960-X")
        self.assertEqual((hm.manufacturer.name, hm.kind, hm.end_of_support), ("Cisco", "switch", dt.date(2027, 10, 31)))
        apps = simple_csv([["Revenues & Benefits", "Finance", "Critical"]],
                          headers=["Application", "Department", "Criticality"])
        result = import_apply(data=apps, filename="a.csv", model="applications")
        self.assertTrue(result.applied, result.errors)
        self.assertEqual(Application.objects.get(slug="revenues-benefits").criticality, "critical")

    def test_mapping_override_and_missing_required_column(self):
        data = simple_csv([["PC-1", "Town Hall"]], headers=["Kit", "Where"])
        result = import_preview(data=data, filename="x.csv")
        self.assertIn("No column is mapped to name (name).", result.errors)
        result = import_preview(data=data, filename="x.csv", mapping={"Kit": "name", "Where": "site"})
        self.assertTrue(result.is_valid, result.errors)
        result = import_preview(data=data, filename="x.csv", mapping=["name", "site"])
        self.assertTrue(result.is_valid, result.errors)
        result = import_preview(data=data, filename="x.csv", mapping={"Kit": "nonsense"})
        self.assertFalse(result.is_valid)

    def test_hostile_cells(self):
        rows = [["=cmd|' /C calc'!A0", "S1", "Dell", "X", "Town Hall", "", ""],
                ["<img src=x onerror=alert(1)>", "S2", "Dell", "X", "Town Hall", "", ""],
                ["a" * 300, "S3", "Dell", "X", "Town Hall", "", ""]]
        result = import_apply(data=simple_csv(rows), filename="x.csv")
        self.assertFalse(result.applied)
        self.assertTrue(any(e.startswith("Row 4, name: ") for e in result.errors), result.errors)
        result = import_apply(data=simple_csv(rows[:2]), filename="x.csv")
        self.assertTrue(result.applied, result.errors)
        self.assertTrue(Device.objects.filter(name="=cmd|' /C calc'!A0").exists())


# --- Pages, API, command ----------------------------------------------------------------------------------------------


@override_settings(ESTATE_IMPORT_DIR=_TMP)
class ImportPageTest(TestCase):
    def setUp(self):
        make_sites()
        default_groups_ensure()
        from django.contrib.auth.models import Group

        self.engineer = f.UserFactory(username="engineer")
        self.engineer.groups.add(Group.objects.get(name="Engineers"))
        self.viewer = f.UserFactory(username="viewer")
        self.viewer.groups.add(Group.objects.get(name="Viewers"))
        self.url = reverse("inventory:import")

    def upload(self, data: bytes, name: str = "register.csv", **extra):
        return self.client.post(self.url, {"file": SimpleUploadedFile(name, data), "model": "devices",
                                           "on_existing": "update", **extra})

    def test_viewer_cannot_import(self):
        self.client.force_login(self.viewer)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.upload(simple_csv(ten_rows())).status_code, 403)
        self.assertEqual(Device.objects.count(), 0)

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)

    def test_upload_preview_adjust_mapping_and_confirm(self):
        self.client.force_login(self.engineer)
        response = self.client.get(self.url)
        self.assertContains(response, '<label class="form-label" for="id_file">')
        response = self.upload(council.XLSX_PATH.read_bytes(), "council_asset_register.xlsx")
        self.assertEqual(response.status_code, 200, response.content[:2000])
        self.assertContains(response, "will create 8 manufacturers")
        self.assertContains(response, '<th scope="col">Action</th>')
        self.assertEqual(Device.objects.count(), 0)
        result = response.context["result"]
        mapping = {f"map_{i}": m for i, m in enumerate(result.mapping)}
        mapping["map_10"], mapping["map_16"] = "description", "comments"  # Assigned User, Notes
        post = {"import_id": result.import_id, "columns": len(result.mapping), "on_existing": "update", **mapping}
        response = self.client.post(self.url, {**post, "_preview": "1"})
        self.assertEqual(response.context["result"].mapping[10], "description")
        response = self.client.post(self.url, {**post, "_apply": "1"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Device.objects.count(), len(council.ROWS))
        self.assertEqual(Device.objects.get(name="TH-PC-0001").description, "j.smith")
        entry = LogEntry.objects.get_for_object(Device.objects.get(name="TH-PC-0001")).get()
        self.assertEqual((entry.actor, entry.cid), (self.engineer, f"import:{result.import_id}"))
        # Markup is stored as text and escaped on the device page.
        laptop = Device.objects.get(name="TH-LT-0003")
        self.assertEqual(laptop.comments, "<script>alert('x')</script>")
        page = self.client.get(laptop.get_absolute_url())
        self.assertContains(page, "&lt;script&gt;alert(")
        self.assertNotContains(page, "<script>alert(")

    def test_bad_row_shows_error_summary_and_saves_nothing(self):
        self.client.force_login(self.engineer)
        response = self.upload(simple_csv(ten_rows(bad_row=7)))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Row 7, purchase_date: ", status_code=400)
        self.assertNotContains(response, 'name="_apply"', status_code=400)
        result = response.context["result"]
        response = self.client.post(self.url, {"import_id": result.import_id, "_apply": "1"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Device.objects.count(), 0)

    def test_wrong_file_type_is_a_clear_error(self):
        self.client.force_login(self.engineer)
        response = self.upload(b"%PDF-1.7 \x00\x01", "scan.pdf")
        self.assertContains(response, "not a CSV or XLSX", status_code=400)

    def test_someone_elses_upload_cannot_be_confirmed(self):
        self.client.force_login(self.engineer)
        result = self.upload(simple_csv(ten_rows())).context["result"]
        other = f.UserFactory(username="other-engineer")
        other.groups.add(*self.engineer.groups.all())
        self.client.force_login(other)
        response = self.client.post(self.url, {"import_id": result.import_id, "_apply": "1"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Device.objects.count(), 0)


class ImportAPITest(TestCase):
    url = "/api/inventory/import/"

    def setUp(self):
        make_sites()

    def client_for(self, *perms: str, write: bool = True) -> APIClient:
        user = f.UserFactory(perms=list(perms))
        _, key = token_create(user=user, write_enabled=write)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        client.user = user
        return client

    def post(self, client, data: bytes, **fields):
        return client.post(self.url, {"file": SimpleUploadedFile("x.csv", data), **fields}, format="multipart")

    def test_dry_run_then_apply(self):
        client = self.client_for("inventory.add_device", "inventory.change_device")
        response = self.post(client, simple_csv(ten_rows()))
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["counts"]["create"], 10)
        self.assertFalse(body["applied"])
        self.assertEqual(Device.objects.count(), 0)
        response = self.post(client, simple_csv(ten_rows()), dry_run="false")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertTrue(response.json()["applied"])
        self.assertEqual(Device.objects.count(), 10)
        entry = LogEntry.objects.get_for_object(Device.objects.get(name="PC-001")).get()
        self.assertEqual(entry.actor, client.user)
        self.assertEqual(entry.cid, response.json()["request_id"])

    def test_apply_with_errors_is_400_and_saves_nothing(self):
        client = self.client_for("inventory.add_device", "inventory.change_device")
        response = self.post(client, simple_csv(ten_rows(bad_row=7)), dry_run="false")
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.json()["error"]["message"].startswith("Row 7, purchase_date: "))
        self.assertEqual(Device.objects.count(), 0)

    def test_mapping_field(self):
        client = self.client_for("inventory.add_device", "inventory.change_device")
        data = simple_csv([["PC-1", "Town Hall"]], headers=["Kit", "Where"])
        body = self.post(client, data, mapping=json.dumps({"Kit": "name", "Where": "site"})).json()
        self.assertTrue(body["valid"], body)
        body = self.post(client, data, mapping="Kit=name\nWhere=site").json()
        self.assertTrue(body["valid"], body)

    def test_permissions(self):
        self.assertIn(self.post(APIClient(), simple_csv(ten_rows())).status_code, (401, 403))
        viewer = self.client_for("inventory.view_device")
        self.assertEqual(self.post(viewer, simple_csv(ten_rows()), dry_run="false").status_code, 403)
        read_only = self.client_for("inventory.add_device", "inventory.change_device", write=False)
        self.assertEqual(self.post(read_only, simple_csv(ten_rows()), dry_run="false").status_code, 403)
        self.assertEqual(Device.objects.count(), 0)


class ImportCommandTest(TestCase):
    def setUp(self):
        make_sites()

    def test_dry_run_apply_and_mapping(self):
        with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
            handle.write(simple_csv([["PC-1", "Town Hall", "01/02/2020"]], headers=["Kit", "Where", "Bought"]))
            handle.flush()
            with self.assertRaises(CommandError):
                call_command("import_devices", handle.name, stdout=io.StringIO(), stderr=io.StringIO())
            out = io.StringIO()
            args = ["--mapping", "Kit=name", "--mapping", "Where=site"]
            call_command("import_devices", handle.name, "--dry-run", *args, stdout=out)
            self.assertIn("Would import", out.getvalue())
            self.assertEqual(Device.objects.count(), 0)
            call_command("import_devices", handle.name, *args, stdout=io.StringIO())
            self.assertEqual(Device.objects.get(name="PC-1").purchase_date, dt.date(2020, 2, 1))

    def test_xlsx_fixture(self):
        out = io.StringIO()
        call_command("import_devices", str(council.XLSX_PATH), stdout=out)
        self.assertEqual(Device.objects.count(), len(council.ROWS))


# --- Export ↔ import --------------------------------------------------------------------------------------------------


class ExportRoundTripTest(TestCase):
    def setUp(self):
        self.user = f.UserFactory(perms=["inventory.view_device"])
        self.client.force_login(self.user)

    def export(self, fmt: str, columns: list[str] | None = None):
        params = [("export", fmt)] + [("columns", c) for c in columns or []]
        return self.client.get(reverse("inventory:device_list"), params)

    def test_formula_cells_are_neutralised(self):
        site = f.SiteFactory()
        for name in ("=cmd|' /C calc'!A0", "+44 1632 960000", "-2+3", "@SUM(A1:A2)"):
            f.DeviceFactory(name=name, site=site)
        rows = list(csv.reader(io.StringIO(self.export("csv").content.decode("utf-8-sig"))))
        names = [r[0] for r in rows[1:]]
        self.assertEqual(len(names), 4)
        for name in names:
            self.assertTrue(name.startswith("'"), name)
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(self.export("xlsx").content))
        values = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
        self.assertTrue(all(v.startswith("'") for v in values), values)

    def test_export_reimports_cleanly(self):
        site = f.SiteFactory(name="Town Hall", slug="town-hall")
        room = f.LocationFactory(site=site, name="Comms Room", slug="comms-room")
        hm = f.HardwareModelFactory(model="PowerEdge R740", manufacturer__name="Dell", kind="server")
        platform = f.PlatformFactory(name="Windows Server")
        f.DeviceFactory(name="TH-SRV-01", site=site, location=room, hardware_model=hm, manufacturer=hm.manufacturer,
                        serial="8JHQ4N2", asset_tag="TH-5", platform=platform, os_version="2016",
                        primary_ip="10.0.0.11", purchase_date=dt.date(2017, 11, 30),
                        warranty_end=dt.date(2022, 11, 29), purchase_cost=Decimal("6250.00"), department="ICT")
        f.DeviceFactory(name="=HYPERLINK(1)", site=site, kind="pbx")
        columns = ["name", "kind", "status", "site", "location", "manufacturer", "hardware_model", "serial",
                   "asset_tag", "platform", "os_version", "firmware", "primary_ip", "management_ip", "purchase_date",
                   "warranty_end", "purchase_cost", "department", "criticality", "first_seen", "last_seen",
                   "discovery_source"]
        for fmt in ("csv", "xlsx"):
            data = self.export(fmt, columns).content
            result = import_preview(data=data, filename=f"devices.{fmt}")
            self.assertTrue(result.is_valid, result.errors)
            self.assertEqual(result.counts, {"create": 0, "update": 0, "skip": 2, "error": 0},
                             [r.as_dict() for r in result.rows])
            self.assertEqual(result.will_create, {})
        data = self.export("csv", columns).content
        Device.objects.all().delete()
        result = import_apply(data=data, filename="devices.csv")
        self.assertTrue(result.applied, result.errors)
        server = Device.objects.get(name="TH-SRV-01")
        self.assertEqual((server.location, server.hardware_model, server.platform, server.os_version),
                         (room, hm, platform, "2016"))
        self.assertEqual(server.purchase_cost, Decimal("6250.00"))
        self.assertEqual(Device.objects.get(name="=HYPERLINK(1)").kind, "pbx")
        self.assertEqual(Platform.objects.count(), 1)
