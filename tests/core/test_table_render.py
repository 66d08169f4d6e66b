"""The list pages' rows (estate.tables.table_rows_html) are the rows django-tables2's own template renders.

estate/table.html renders a table's rows in Python instead of django-tables2's per-cell template loop. Every list page
of every app, with every column shown, must give the same <tbody> as the library's template (bootstrap5.html, which
estate/table.html extends) for the same table, hostile text included, and a constant number of SQL queries.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import count

import django_tables2 as tables
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from estate.tables import EstateTable
from estate.views.generic import ObjectListView
from inventory import models as inv
from tests import factories as f
from tests.lifecycle.factories import VersionMappingFactory

HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"
RENDER = Template("{% load django_tables2 %}{% render_table table template %}")


def list_url_names() -> list[str]:
    """Every URL name (with its namespace) served by a generic list view, e.g. "inventory:device_list"."""
    names = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
                view_class = getattr(pattern.callback, "view_class", None)
                if view_class is not None and issubclass(view_class, ObjectListView):
                    names.append(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return sorted(set(names))


def tbody(html: str) -> str:
    match = re.search(r"<tbody.*?</tbody>", html, re.S)
    assert match, html[:2000]
    return re.sub(r">\s+<", "><", match.group(0))


def render(table, template: str, request) -> str:
    table._counter = count()  # a fresh rendering, as Table.as_html does
    return RENDER.render(Context({"table": table, "template": template, "request": request}))


class ListRowsMatchTheLibraryTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = f.UserFactory(is_superuser=True, is_staff=True)
        site = f.SiteFactory(name=HOSTILE)
        location = f.LocationFactory(site=site, name=HOSTILE)
        model = f.HardwareModelFactory(model=HOSTILE)
        platform = f.PlatformFactory(name="Windows & <b>Server</b>")
        f.DeviceFactory(name=HOSTILE, site=site, location=location, hardware_model=model,
                        manufacturer=model.manufacturer, platform=platform, os_version="<i>10</i>",
                        primary_ip="10.0.0.1", purchase_cost=Decimal("1234.50"), purchase_date=date(2021, 4, 1),
                        last_seen=timezone.now())
        f.DeviceFactory(site=site)  # empty optional columns: the default
        for factory in (f.TagFactory, f.InterfaceFactory, f.IPAddressFactory, f.InstalledSoftwareFactory,
                        f.ApplicationFactory, f.DependencyFactory, f.ScheduleFactory, f.BlackoutWindowFactory,
                        f.CredentialFactory, f.CredentialSetFactory, f.ScopeFactory, f.HostKeyFactory,
                        f.ProgrammeFactory, f.BudgetLineFactory, f.SavingsForecastFactory, f.WaveFactory,
                        f.WaveWindowFactory, f.WaveItemFactory, f.DiscoveryRunFactory, f.PlaybookRunFactory,
                        f.FindingFactory, f.ProposedChangeFactory, f.DirectorySourceFactory,
                        f.ClassificationRuleFactory,
                        f.HardwareNoticeFactory, f.LifecycleCycleFactory,
                        f.LifecycleProductFactory, f.MinimumVersionPolicyFactory, f.JobFactory,
                        VersionMappingFactory):
            factory()

    def setUp(self):
        self.client.force_login(self.user)

    def table_with_every_column(self, url: str):
        table = self.client.get(url).context["table"]
        names = [c.name for c in table.columns.iterall() if c.name != "pk"]
        response = self.client.get(url, {"columns": names})
        self.assertEqual(response.status_code, 200, url)
        table = response.context["table"]
        self.assertEqual([c.name for c in table.columns if c.name != "pk"], names, url)
        return table, response.wsgi_request

    def test_every_list_page_renders_the_rows_the_library_renders(self):
        names = list_url_names()
        self.assertIn("inventory:device_list", names)
        self.assertGreater(len(names), 20)
        for name in names:
            with self.subTest(name):
                table, request = self.table_with_every_column(reverse(name))
                self.assertGreater(len(table.rows), 0, f"{name}: no rows to compare")
                expected = tbody(render(table, "django_tables2/bootstrap5.html", request))
                self.assertEqual(tbody(render(table, "estate/table.html", request)), expected)
                self.assertNotIn("<script>", expected)

    def test_every_filter_form_renders_as_django_renders_it(self):
        from estate.views.filter_form import FilterFormRenderer

        site = inv.Site.objects.get(name=HOSTILE)
        fast_selects = 0
        for name in list_url_names():
            with self.subTest(name):
                for query in ({}, {"kind": ["server", "desktop"], "site": site.slug, "status": "active",
                                   "site_id": site.pk, "has_findings": "true", "q": HOSTILE}):
                    form = self.client.get(reverse(name), query).context["filter_form"]
                    self.assertIsInstance(form.renderer, FilterFormRenderer)
                    fast = [str(field) for field in form]
                    form.renderer = form.renderer.base
                    self.assertEqual(fast, [str(field) for field in form])
                    fast_selects += sum(html.startswith("<select") for html in fast)
        self.assertGreater(fast_selects, 50)

    def test_device_list_escapes_names_and_links_to_detail_pages(self):
        device = inv.Device.objects.get(name=HOSTILE)
        content = self.client.get(reverse("inventory:device_list")).content.decode()
        self.assertNotIn("<script>", content)
        self.assertIn("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;", content)
        self.assertIn(f'<a href="{device.get_absolute_url()}">&lt;script&gt;', content)
        self.assertIn(f'<a href="{device.site.get_absolute_url()}">&lt;script&gt;', content)
        self.assertIn(f'name="pk" value="{device.pk}" aria-label="Select &lt;script&gt;', content)
        self.assertIn('<th class="col-select" scope="col">', content)

    def test_empty_list_shows_the_empty_text(self):
        response = self.client.get(reverse("inventory:device_list"), {"q": "no such device"})
        self.assertContains(response, '<tr><td colspan="11">Nothing matches.</td></tr>', html=True)

    def test_queries_do_not_grow_with_the_page_size(self):
        for n in range(30):
            f.DeviceFactory(name=f"extra-{n:02d}", site=f.SiteFactory())
        url = reverse("inventory:device_list")
        counts = []
        for per_page in (25, 100):
            self.client.get(url, {"per_page": per_page})  # session and column choice settled
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(url, {"per_page": per_page}).status_code, 200)
            counts.append(len(ctx.captured_queries))
        self.assertEqual(counts[0], counts[1])


class Thing:
    """A record that is not a model: dictionaries and objects go through the library's accessor rules."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


class UnusualColumnsTable(EstateTable):
    """Columns the list pages do not (yet) use: every path of the renderer, checked against the library."""

    pk = None
    name = tables.Column(attrs={"td": {"data-value": lambda value: f"v:{value}", "class": "c"}})
    size = tables.Column(localize=True)
    raw = tables.Column(accessor="size", localize=False, verbose_name="Raw")
    when = tables.DateColumn(format="d/m/Y")
    flag = tables.BooleanColumn()
    template = tables.TemplateColumn("<b>{{ record.name }}</b> #{{ row_counter }}")
    rendered = tables.Column(accessor="name", empty_values=())
    called = tables.Column(accessor="shout")
    missing = tables.Column(default="(none)")
    link = tables.Column(accessor="name", linkify=lambda value: f"/things/{value}/",
                         attrs={"a": {"class": "lnk"}})

    class Meta:
        row_attrs = {"data-name": lambda record: getattr(record, "name", "a dict")}

    def render_rendered(self, value, bound_row):
        return f"{value} (row {bound_row.row_counter})"


class UnusualColumnsTest(TestCase):
    def test_the_renderer_matches_the_library(self):
        rows = [
            Thing(name=HOSTILE, size=12345.5, when=date(2024, 1, 2), flag=True, shout=lambda: "HI", missing=None),
            {"name": "plain", "size": 7, "when": None, "flag": False, "shout": "no", "missing": ""},
            Thing(name="", size=None, when=date(2020, 2, 29), flag=None, shout=None, missing="here"),
        ]
        request = RequestFactory().get("/things/")
        table = UnusualColumnsTable(rows, request=request)
        expected = tbody(render(table, "django_tables2/bootstrap5.html", request))
        self.assertEqual(tbody(render(table, "estate/table.html", request)), expected)
        self.assertIn("&lt;script&gt;", expected)
        self.assertNotIn("<script>", expected)


class DeferredJoinPaginatorTest(TestCase):
    """Pages read as "primary keys, then those records" hold the rows plain slicing gives, in the same order."""

    @classmethod
    def setUpTestData(cls):
        sites = [f.SiteFactory(name=f"Site {n}") for n in range(4)]
        locations = [f.LocationFactory(site=site) for site in sites]
        tag = f.TagFactory()
        for n in range(11):
            device = f.DeviceFactory(name=f"dev-{n % 4}-{n:02d}", site=sites[n % 3],
                                     kind=["server", "desktop", "laptop"][n % 3],
                                     location=locations[n % 3] if n % 5 else None)
            if n % 2:
                device.tags.add(tag)
                device.tags.add(f.TagFactory())  # two tags: a join that would repeat rows without DISTINCT
        cls.tag = tag

    def pages(self, table_class, queryset, order_by, paginator_class):
        pks = []
        page = 1
        while True:
            table = table_class(queryset, order_by=order_by)
            table.paginate(paginator_class=paginator_class, per_page=3, page=page)
            pks.append([row.record.pk for row in table.paginated_rows])
            if not table.page.has_next():
                return pks, table
            page += 1

    def test_same_rows_in_the_same_order(self):
        from django.core.paginator import Paginator

        from estate.tables import DeferredJoinPaginator
        from inventory import selectors
        from inventory.tables import DeviceTable, SiteTable

        cases = [
            (DeviceTable, selectors.device_list(), ("name",)),
            (DeviceTable, selectors.device_list(), ("-site", "name")),
            (DeviceTable, selectors.device_list(), ("location", "-name")),
            (DeviceTable, selectors.device_list().filter(tags=self.tag).distinct(), ("kind", "-name")),
            (DeviceTable, selectors.device_list().filter(tags__isnull=False).distinct(), ("name",)),
            (SiteTable, selectors.site_list(), ("-device_count", "name")),
        ]
        for table_class, queryset, order_by in cases:
            with self.subTest(table=table_class.__name__, order_by=order_by, query=str(queryset.query)[-80:]):
                expected, _ = self.pages(table_class, queryset, order_by, Paginator)
                got, table = self.pages(table_class, queryset, order_by, DeferredJoinPaginator)
                self.assertEqual(got, expected)
                self.assertGreater(len(expected), 1)
                record = next(iter(table.paginated_rows)).record
                self.assertIsInstance(record, queryset.model)
                if table_class is SiteTable:
                    self.assertTrue(hasattr(record, "device_count"))  # annotations kept

    def test_used_only_where_the_page_cannot_differ(self):
        from estate.tables import page_primary_keys
        from inventory import selectors

        devices = selectors.device_list()
        by_name = list(devices.order_by("name").values_list("pk", flat=True))
        self.assertEqual(page_primary_keys(devices, 3, 6), by_name[3:6])  # Meta.ordering ["name", "pk"]: total
        self.assertEqual(page_primary_keys(devices.order_by("name"), 3, 6), by_name[3:6])  # no ties around it
        self.assertEqual(page_primary_keys(devices.order_by("-kind", "-pk"), 0, 4),
                         list(devices.order_by("-kind", "-pk").values_list("pk", flat=True)[:4]))
        self.assertEqual(page_primary_keys(selectors.site_list().order_by("-device_count", "pk"), 0, 2),
                         list(selectors.site_list().order_by("-device_count", "pk").values_list("pk", flat=True)[:2]))
        self.assertIsNone(page_primary_keys(devices.order_by("-site", "name"), 0, 3))  # a relation: its ordering
        self.assertIsNone(page_primary_keys(devices.order_by("kind"), 0, 3))  # a handful of values: ties
        self.assertIsNone(page_primary_keys(selectors.site_list().order_by("-device_count"), 0, 2))  # 4, 4, 3, 0
        self.assertIsNone(page_primary_keys(devices.order_by("?"), 0, 3))
        self.assertIsNone(page_primary_keys(devices.values("pk"), 0, 3))
        first = inv.Device.objects.order_by("name").first()
        f.DeviceFactory(name=first.name, site=f.SiteFactory())  # now two devices tie on the first name
        self.assertIsNone(page_primary_keys(devices.order_by("name"), 0, 3))  # the tie is in the page
        self.assertIsNone(page_primary_keys(devices.order_by("name"), 1, 3))  # the tie is at its edge
        self.assertEqual(page_primary_keys(devices.order_by("name"), 2, 4), by_name[1:3])  # just after it
        self.assertEqual(page_primary_keys(devices.order_by("name"), 3, 6), by_name[2:5])

    def test_two_queries_per_page_whatever_its_size(self):
        from estate.tables import DeferredJoinPaginator
        from inventory import selectors
        from inventory.tables import DeviceTable

        for per_page in (2, 5):
            table = DeviceTable(selectors.device_list())  # the model's ordering, ["name", "pk"]: total
            table.paginate(paginator_class=DeferredJoinPaginator, per_page=per_page, page=1)  # counts the rows
            with CaptureQueriesContext(connection) as ctx:
                table.paginate(paginator_class=DeferredJoinPaginator, per_page=per_page, page=2)
                records = [row.record.site for row in table.paginated_rows]  # select_related: no query per row
            self.assertEqual(len(records), per_page)
            self.assertEqual(len(ctx.captured_queries), 2)  # primary keys, records

    def test_lists_are_sliced_as_usual(self):
        from estate.tables import DeferredJoinPaginator

        table = UnusualColumnsTable([{"name": str(n)} for n in range(7)])
        table.paginate(paginator_class=DeferredJoinPaginator, per_page=3, page=3)
        self.assertEqual([row.record["name"] for row in table.paginated_rows], ["6"])
