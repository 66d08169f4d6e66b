"""endoflife.date import (files, a local URL, the command, the page and the API), vendor hardware notice CSVs and the
shipped catalogue sync. Local files and a local HTTP server only: never the internet."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from estate.services import token_create
from inventory.choices import LifecycleOriginChoices as Origin
from inventory.models import HardwareModel, HardwareNotice, LifecycleCycle, LifecycleProduct, Manufacturer
from inventory.services_lifecycle import (
    catalogue_import_endoflife,
    catalogue_sync_shipped,
    endoflife_download,
    hardware_notices_import_csv,
)
from tests import factories as f

DATA = Path(__file__).parent / "data"
IMPORT_PERMS = ["inventory.add_lifecycleproduct", "inventory.add_lifecyclecycle", "inventory.change_lifecyclecycle",
                "inventory.view_lifecycleproduct"]
NOTICE_PERMS = ["inventory.add_hardwarenotice", "inventory.change_hardwarenotice", "inventory.add_hardwaremodel",
                "inventory.change_hardwaremodel", "inventory.view_hardwarenotice"]


def cycle(product: str, name: str) -> LifecycleCycle:
    return LifecycleCycle.objects.get(product__slug=product, cycle=name)


class EndOfLifeImportTest(TestCase):
    def test_v0_file_updates_dates_and_keeps_curated_rules(self):
        before = cycle("ubuntu", "22.04")
        self.assertEqual(before.origin, Origin.SHIPPED)
        call_command("import_endoflife", file=str(DATA / "eol_v0_ubuntu.json"), product="ubuntu", stdout=None)
        after = cycle("ubuntu", "22.04")
        self.assertEqual(after.end_of_security_support, dt.date(2027, 4, 1))
        self.assertEqual(after.end_of_extended_support, dt.date(2032, 4, 9))
        self.assertEqual(after.origin, Origin.IMPORTED)
        self.assertEqual(after.match, before.match)  # curated match rules are kept

    def test_rows_edited_by_hand_are_never_overwritten(self):
        row = cycle("ubuntu", "22.04")
        row.end_of_security_support, row.origin = dt.date(2027, 1, 1), Origin.MANUAL
        row.save()
        summary = catalogue_import_endoflife(path=DATA / "eol_v0_ubuntu.json", product="ubuntu")
        self.assertGreaterEqual(summary["cycles_skipped_manual"], 1)
        self.assertEqual(cycle("ubuntu", "22.04").end_of_security_support, dt.date(2027, 1, 1))

    def test_v1_and_snapshot_files(self):
        summary = catalogue_import_endoflife(path=DATA / "eol_v1_ubuntu.json")
        self.assertEqual(summary["products"], ["ubuntu"])
        self.assertTrue(LifecycleCycle.objects.filter(product__slug="ubuntu", cycle="25.10").exists())
        summary = catalogue_import_endoflife(path=DATA / "eol_snapshot_sample.json", product="esxi")
        self.assertEqual(summary["products"], ["esxi"])
        with self.assertRaises(ValidationError):
            catalogue_import_endoflife(path=DATA / "eol_snapshot_sample.json", product="no-such-product")

    def test_new_product_is_created_as_imported(self):
        data = [{"cycle": "3.2", "releaseDate": "2024-01-01", "eol": "2026-01-01", "latest": "3.2.5"}]
        summary = catalogue_import_endoflife(data=data, product="aa-widget")
        self.assertEqual((summary["products_created"], summary["cycles_created"]), (1, 1))
        product = LifecycleProduct.objects.get(slug="aa-widget")
        self.assertEqual(product.origin, Origin.IMPORTED)
        self.assertEqual(cycle("aa-widget", "3.2").match, ["3.2"])

    def test_bad_file_changes_nothing(self):
        count = LifecycleCycle.objects.count()
        bad = DATA / "hardware_notices.csv"  # not JSON
        with self.assertRaises(CommandError):
            call_command("import_endoflife", file=str(bad), product="ubuntu")
        with self.assertRaises(ValidationError):
            catalogue_import_endoflife(data={"what": "ever"})
        self.assertEqual(LifecycleCycle.objects.count(), count)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@override_settings(ESTATE_ENDOFLIFE_HOSTS=["127.0.0.1"], ESTATE_ENDOFLIFE_ALLOW_LOCAL_HTTP=True)
class EndOfLifeUrlTest(TestCase):
    """A local HTTP server stands in for endoflife.date (plain http on loopback: allowed in tests only)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(DATA)))
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        super().tearDownClass()

    def test_command_with_url(self):
        call_command("import_endoflife", url=f"{self.base}/eol_v1_ubuntu.json", stdout=None)
        self.assertTrue(LifecycleCycle.objects.filter(product__slug="ubuntu", cycle="25.10").exists())

    def test_size_cap_missing_file_and_scheme(self):
        with self.assertRaisesMessage(ValidationError, "larger than"):
            endoflife_download(url=f"{self.base}/eol_v1_ubuntu.json", max_bytes=100)
        with self.assertRaisesMessage(ValidationError, "Could not fetch"):
            endoflife_download(url=f"{self.base}/missing.json")
        with self.assertRaisesMessage(ValidationError, "https:// URL"):
            endoflife_download(url=f"file://{DATA / 'eol_v1_ubuntu.json'}")


class HardwareNoticesCsvTest(TestCase):
    def test_import_sets_model_dates_and_creates_what_is_missing(self):
        dell = f.ManufacturerFactory(name="Avaya", slug="avaya-x")
        existing = f.HardwareModelFactory(manufacturer=dell, model="9611G", slug="9611g")
        summary = hardware_notices_import_csv(text=(DATA / "hardware_notices.csv").read_text())
        self.assertEqual(summary["notices_created"], 3)
        self.assertEqual(summary["models_updated"], 1)
        self.assertEqual(summary["models_created"], 2)
        existing.refresh_from_db()
        self.assertEqual((existing.end_of_sale, existing.end_of_support), (dt.date(2023, 4, 1), dt.date(2028, 3, 31)))
        cisco_model = HardwareModel.objects.get(model="WS-C2960X-48FPD-L")
        self.assertEqual(cisco_model.end_of_support, dt.date(2027, 10, 31))
        self.assertEqual(HardwareModel.objects.get(model="ProLiant DL380 Gen9").end_of_sale, dt.date(2019, 7, 31))
        notice = HardwareNotice.objects.get(manufacturer="Avaya", model="9611G")
        self.assertEqual(notice.origin, Origin.IMPORTED)
        again = hardware_notices_import_csv(text=(DATA / "hardware_notices.csv").read_text())
        self.assertEqual((again["notices_created"], again["models_created"]), (0, 0))

    def test_errors_have_row_numbers_and_nothing_is_saved(self):
        models, makers, notices = HardwareModel.objects.count(), Manufacturer.objects.count(), \
            HardwareNotice.objects.count()
        with self.assertRaises(ValidationError) as caught:
            hardware_notices_import_csv(text=(DATA / "hardware_notices_bad.csv").read_text())
        messages = caught.exception.messages
        self.assertTrue(any(m.startswith("row 3: end_of_sale") for m in messages), messages)
        self.assertTrue(any(m.startswith("row 4: manufacturer") for m in messages), messages)
        self.assertTrue(any(m.startswith("row 5:") and "source" in m for m in messages), messages)
        self.assertFalse(any(m.startswith("row 2") for m in messages), messages)
        self.assertEqual((HardwareModel.objects.count(), Manufacturer.objects.count(), HardwareNotice.objects.count()),
                         (models, makers, notices))

    def test_command(self):
        call_command("import_hardware_notices", str(DATA / "hardware_notices.csv"), stdout=None)
        self.assertTrue(HardwareModel.objects.filter(model="9611G").exists())
        with self.assertRaisesMessage(CommandError, "row 3"):
            call_command("import_hardware_notices", str(DATA / "hardware_notices_bad.csv"))


class ShippedCatalogueTest(TestCase):
    def test_sync_is_idempotent_and_respects_people(self):
        self.assertTrue(LifecycleProduct.objects.filter(slug="windows-server", origin=Origin.SHIPPED).exists())
        again = catalogue_sync_shipped()
        self.assertEqual(sum(v for k, v in again.items() if k != "skipped"), 0)
        drifted = cycle("windows-server", "2016")
        real = drifted.end_of_security_support
        drifted.end_of_security_support = dt.date(2000, 1, 1)
        drifted.save()
        mine = cycle("windows-server", "2019")
        mine.end_of_security_support, mine.origin = dt.date(2035, 1, 1), Origin.MANUAL
        mine.save()
        summary = catalogue_sync_shipped()
        self.assertEqual(summary["cycles_updated"], 1)
        self.assertEqual(cycle("windows-server", "2016").end_of_security_support, real)
        self.assertEqual(cycle("windows-server", "2019").end_of_security_support, dt.date(2035, 1, 1))


class ImportPagesTest(TestCase):
    def test_page_imports_files(self):
        self.client.force_login(f.UserFactory(perms=IMPORT_PERMS + NOTICE_PERMS))
        url = reverse("inventory:lifecycle_import")
        self.assertEqual(self.client.get(url).status_code, 200)
        upload = SimpleUploadedFile("ubuntu.json", (DATA / "eol_v0_ubuntu.json").read_bytes())
        response = self.client.post(url, {"action": "endoflife", "file": upload})
        self.assertEqual(response.status_code, 302, response.content[:2000])
        self.assertEqual(cycle("ubuntu", "22.04").origin, Origin.IMPORTED)
        bad = SimpleUploadedFile("bad.csv", (DATA / "hardware_notices_bad.csv").read_bytes())
        response = self.client.post(url, {"action": "hardware", "csv_file": bad})
        self.assertContains(response, "row 3", status_code=400)
        good = SimpleUploadedFile("good.csv", (DATA / "hardware_notices.csv").read_bytes())
        self.assertEqual(self.client.post(url, {"action": "hardware", "csv_file": good}).status_code, 302)
        self.assertEqual(self.client.post(url, {"action": "shipped"}).status_code, 302)

    def test_permissions(self):
        url = reverse("inventory:lifecycle_import")
        self.client.force_login(f.UserFactory(perms=["inventory.view_lifecycleproduct"]))
        self.assertEqual(self.client.get(url).status_code, 403)
        self.client.force_login(f.UserFactory(perms=NOTICE_PERMS))
        upload = SimpleUploadedFile("ubuntu.json", (DATA / "eol_v0_ubuntu.json").read_bytes())
        self.assertEqual(self.client.post(url, {"action": "endoflife", "file": upload}).status_code, 403)

    def test_api(self):
        _, key = token_create(user=f.UserFactory(perms=IMPORT_PERMS + NOTICE_PERMS), write_enabled=True)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        with open(DATA / "eol_v0_ubuntu.json", "rb") as handle:
            response = api.post("/api/lifecycle/import/endoflife/", {"file": handle, "product": "ubuntu"},
                                format="multipart")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["products"], ["ubuntu"])
        response = api.post("/api/lifecycle/import/hardware-notices/",
                            {"csv": (DATA / "hardware_notices_bad.csv").read_text()}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertTrue(any(r.startswith("row 3") for r in response.json()["error"]["detail"]["rows"]))
        response = api.post("/api/lifecycle/import/hardware-notices/",
                            {"csv": (DATA / "hardware_notices.csv").read_text()}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
