"""The shipped YAML catalogue and the loader's validation rules."""

import datetime as dt
import textwrap

import pytest

from inventory.lifecycle import CatalogueError, default_catalogue, find_hardware_notice, load_catalogue
from inventory.lifecycle.catalogue import CATALOGUE_DIR, CatalogueCycle

D = dt.date

REQUIRED_PRODUCTS = {
    "windows", "windows-server", "rhel", "centos", "centos-stream", "rocky-linux", "almalinux", "ubuntu", "debian",
    "sles", "esxi", "vcenter", "cisco-ios", "cisco-ios-xe", "cisco-nx-os", "junos", "fortios", "pan-os",
    "sql-server", "exchange-server", "cisco-ucm", "avaya-aura-cm", "mitel-mivoice-business", "asterisk",
}  # fmt: skip


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_shipped_catalogue_loads_and_covers_council_estate(catalogue):
    assert {p.product for p in catalogue} >= REQUIRED_PRODUCTS
    assert sum(len(p.cycles) for p in catalogue) >= 200
    assert len(catalogue.hardware) >= 10
    assert default_catalogue() is default_catalogue()  # cached


@pytest.mark.parametrize(
    ("product", "cycles"),
    [
        ("windows-server", {"2008", "2008-r2", "2012", "2012-r2", "2016", "2019", "2022", "2025"}),
        ("rhel", {"6", "7", "8", "9", "10"}),
        ("debian", {"8", "9", "10", "11", "12", "13"}),
        ("esxi", {"6.0", "6.5", "6.7", "7.0", "8.0"}),
        ("vcenter", {"6.0", "6.5", "6.7", "7.0", "8.0"}),
        ("cisco-ucm", {"10.5", "11.5", "12.5", "14", "15"}),
        ("ubuntu", {"14.04", "16.04", "18.04", "20.04", "22.04", "24.04", "24.10", "25.04"}),
        ("centos", {"6", "7", "8"}),
        ("centos-stream", {"8", "9"}),
    ],
)
def test_required_cycles_present(catalogue, product, cycles):
    assert cycles <= {c.cycle for c in catalogue.get(product).cycles}


def test_every_fact_has_a_source_and_valid_dates(catalogue):
    for product in catalogue:
        assert product.platform_names and product.source.startswith("https://")
        for cycle in product.cycles:
            assert cycle.source.startswith("http"), (product.product, cycle.cycle)
            assert cycle.match, f"{product.product} {cycle.cycle} has no match rule"
            assert cycle.confidence in {"high", "medium", "low"}
    for notice in catalogue.hardware:
        assert notice.source.startswith("https://")


def test_well_known_facts(catalogue):
    ws2012r2 = catalogue.cycle("windows-server", "2012-r2")
    assert (ws2012r2.eoas, ws2012r2.eos, ws2012r2.eoes) == (D(2018, 10, 9), D(2023, 10, 10), D(2026, 10, 13))
    assert catalogue.cycle("windows", "10-22h2").eos == D(2025, 10, 14)
    assert catalogue.cycle("ubuntu", "20.04").eos == D(2025, 5, 31)
    assert catalogue.cycle("centos", "7").eos == D(2024, 6, 30)
    assert catalogue.cycle("esxi", "7.0").eos == D(2025, 10, 2)


def test_cycle_support_helpers():
    cycle = CatalogueCycle(cycle="x", label="x", eos=D(2023, 10, 10), eoes=D(2026, 10, 13), source="https://e")
    assert cycle.is_supported(D(2023, 10, 10))  # dates are inclusive
    assert not cycle.is_supported(D(2023, 10, 11))
    assert cycle.is_supported(D(2023, 10, 11), with_extended=True)
    assert not cycle.is_supported(D(2026, 10, 14), with_extended=True)
    assert cycle.phase_ended("eoas", D(2030, 1, 1)) is None  # not tracked
    assert CatalogueCycle(cycle="y", label="y", eos=True, source="https://e").phase_ended("eos", D(2000, 1, 1))
    assert CatalogueCycle(cycle="z", label="z", eos=False, source="https://e").is_supported(D(2099, 1, 1))


@pytest.mark.parametrize(
    ("manufacturer", "model", "expected"),
    [
        ("Cisco", "WS-C2960X-48FPD-L", "Catalyst 2960-X / 2960-XR"),
        ("Cisco Systems", "ws-c2960xr-24ps-i", "Catalyst 2960-X / 2960-XR"),
        ("Cisco", "WS-C2960-24TT-L", "Catalyst 2960 (original series, e.g. WS-C2960-24TT-L)"),
        ("Cisco", "WS-C2960S-48FPS-L", "Catalyst 2960-S"),
        ("Cisco", "CP-7960G", "Unified IP Phone 7940G / 7960G"),
        ("Hewlett Packard Enterprise", "ProLiant DL380p Gen8", "ProLiant Gen8 (DL360p / DL380p / ML350p Gen8)"),
        ("Dell Inc.", "PowerEdge R720", "PowerEdge R620 / R720 (12th generation)"),
        ("Cisco", "C9300-48P", None),
        ("Dell", "WS-C2960X-48FPD-L", None),  # wrong manufacturer
    ],
)
def test_hardware_notice_lookup(catalogue, manufacturer, model, expected):
    notice = find_hardware_notice(manufacturer, model, catalogue)
    assert (notice.model if notice else None) == expected


# --- validation of bad YAML -------------------------------------------------------------------------------------

GOOD = """
product: demo-os
name: Demo OS
vendor: Demo
kind: os
source: https://example.org/lifecycle
platform_names: [Demo OS]
cycles:
  - {cycle: "1", label: "Demo 1", release_date: 2020-01-01, eoas: 2021-01-01, eos: 2022-01-01, match: ["1"]}
  - {cycle: "2", label: "Demo 2", release_date: 2021-01-01, eos: false, match: ["2"]}
"""


def write(tmp_path, text, name="demo.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_good_yaml_loads(tmp_path):
    catalogue = load_catalogue([write(tmp_path, GOOD)])
    product = catalogue.get("demo-os")
    assert [c.cycle for c in product.cycles] == ["1", "2"]
    assert product.cycles[0].source == "https://example.org/lifecycle"  # inherited from the product
    assert product.cycles[1].eos is False


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "eoas: 2021-01-01, eos: 2022-01-01",
            "eoas: 2023-01-01, eos: 2022-01-01",
            r"cycle '1': eoas \(2023-01-01\) is after eos \(2022-01-01\)",
        ),
        ("release_date: 2020-01-01,", "release_date: 2023-01-01,", r"cycle '1': release_date .* is after eoas"),
        ('{cycle: "2", label: "Demo 2"', '{cycle: "1", label: "Demo 2"', r"cycle '1': duplicate cycle"),
        ("source: https://example.org/lifecycle", "vendor_url: https://example.org", r"unknown field\(s\) vendor_url"),
        ("source: https://example.org/lifecycle", "source: example.org", r"source: expected an http\(s\) URL"),
        ("eos: false,", "", r"cycle '2': eos: is required"),
        ("eos: 2022-01-01", "eos: 2022-31-01", r"cycle '1': eos: expected an ISO date"),
        ("kind: os", "kind: toaster", r"kind: must be one of"),
        ('match: ["2"]', 'match: ["re:("]', r"cycle '2': match rule 're:\(': bad regex"),
        ('match: ["2"]', 'match: ["2"], confidence: maybe', r"confidence: must be one of"),
        ("platform_names: [Demo OS]", "platform_names: []", r"platform_names: at least one name"),
    ],
)
def test_bad_yaml_is_rejected(tmp_path, old, new, message):
    assert old in GOOD
    with pytest.raises(CatalogueError, match=message):
        load_catalogue([write(tmp_path, GOOD.replace(old, new, 1))])


def test_missing_source_everywhere_is_rejected(tmp_path):
    text = GOOD.replace("source: https://example.org/lifecycle\n", "")
    with pytest.raises(CatalogueError, match=r"source"):
        load_catalogue([write(tmp_path, text)])


def test_duplicate_product_across_files(tmp_path):
    with pytest.raises(CatalogueError, match=r"duplicate product slug"):
        load_catalogue([write(tmp_path, GOOD, "a.yaml"), write(tmp_path, GOOD, "b.yaml")])


def test_unknown_related_product(tmp_path):
    with pytest.raises(CatalogueError, match=r"related: unknown product 'nope'"):
        load_catalogue([write(tmp_path, GOOD + "related: [nope]\n")])


def test_invalid_yaml_syntax(tmp_path):
    with pytest.raises(CatalogueError, match=r"broken.yaml: not valid YAML"):
        load_catalogue([write(tmp_path, "product: [unclosed", "broken.yaml")])


def test_bad_hardware_entry(tmp_path):
    text = """
    hardware:
      - {manufacturer: Cisco, model: X, end_of_sale: 2020-01-01, end_of_support: 2019-01-01, source: "https://c.com"}
    """
    with pytest.raises(CatalogueError, match=r"end_of_sale is after end_of_support"):
        load_catalogue([write(tmp_path, text, "hardware.yaml")])
    text = """
    hardware:
      - {manufacturer: Cisco, model: X, source: "https://c.com"}
    """
    with pytest.raises(CatalogueError, match=r"needs end_of_sale or end_of_support"):
        load_catalogue([write(tmp_path, text, "hardware.yaml")])


def test_catalogue_dir_is_inside_the_package():
    # The product must never read ../shared at run time.
    assert CATALOGUE_DIR.parent.name == "lifecycle"
    for path in CATALOGUE_DIR.glob("*.yaml"):
        assert "/work/shared" not in path.read_text()
