"""endoflife.date import (v0, v1, snapshot shapes) and vendor hardware notice CSVs."""

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from inventory.lifecycle import CatalogueCycle, CatalogueProduct, resolve
from inventory.lifecycle.eol_import import (
    load_endoflife_file,
    parse_endoflife,
    parse_hardware_notices_csv,
    parse_snapshot,
    parse_v0,
    parse_v1,
)

DATA = Path(__file__).parent / "data"
D = dt.date


def read(name):
    return json.loads((DATA / name).read_text())


# --- v0 ---------------------------------------------------------------------------------------------------------


def test_v0_dates_and_booleans():
    product = parse_v0("ubuntu", read("eol_v0_ubuntu.json"), name="Ubuntu", kind="os", vendor="Canonical")
    assert isinstance(product, CatalogueProduct)
    assert product.product == "ubuntu" and product.kind == "os" and product.vendor == "Canonical"
    jammy = product.get_cycle("22.04")
    assert isinstance(jammy, CatalogueCycle)
    assert (jammy.release_date, jammy.eoas, jammy.eos, jammy.eoes) == (
        D(2022, 4, 21), D(2024, 9, 30), D(2027, 4, 1), D(2032, 4, 9),
    )  # fmt: skip
    assert jammy.lts and jammy.latest == "22.04.5" and jammy.codename == "Jammy Jellyfish"
    assert jammy.source == "https://endoflife.date/ubuntu"
    assert jammy.match == ("22.04",)
    # v0 support/extendedSupport booleans mean "still running": false = ended, true = not ended.
    lunar = product.get_cycle("23.04")
    assert (lunar.eoas, lunar.eos, lunar.eoes) == (True, True, True)
    questing = product.get_cycle("25.10")
    assert (questing.eoas, questing.eos, questing.eoes) == (False, False, None)
    assert product.get_cycle("24.04").notes.startswith("Release notes: https://")


def test_v0_numeric_cycle_is_text():
    product = parse_v0("python", [{"cycle": 3.9, "eol": "2025-10-31", "releaseDate": "2020-10-05"}])
    assert product.cycles[0].cycle == "3.9"


def test_imported_product_resolves():
    product = parse_v0("ubuntu", read("eol_v0_ubuntu.json"), name="Ubuntu")
    match = resolve(None, "Ubuntu 22.04.4 LTS", [product])
    assert (match.product, match.cycle) == ("ubuntu", "22.04")


# --- v1 ---------------------------------------------------------------------------------------------------------


def test_v1_prefers_dates_and_keeps_flags_as_fallback():
    [product] = parse_v1(read("eol_v1_ubuntu.json"))
    assert (product.product, product.name, product.kind) == ("ubuntu", "Ubuntu", "os")
    assert "ubuntu-linux" in product.platform_names
    jammy = product.get_cycle("22.04")
    assert (jammy.eoas, jammy.eos, jammy.eoes, jammy.lts) == (D(2024, 9, 30), D(2027, 4, 1), D(2032, 4, 9), True)
    assert jammy.latest == "22.04.5" and jammy.label == "Ubuntu 22.04 'Jammy Jellyfish' (LTS)"
    lunar = product.get_cycle("23.04")
    # isEoes absent -> not tracked (None); is* flags used when the date is null.
    assert (lunar.eoas, lunar.eos, lunar.eoes, lunar.latest) == (True, True, None, None)
    questing = product.get_cycle("25.10")
    assert (questing.eoas, questing.eos, questing.eoes) == (False, False, None)


def test_v1_full_listing():
    one = read("eol_v1_ubuntu.json")["result"]
    other = copy.deepcopy(one)
    other["name"] = "kubuntu"
    products = parse_v1({"schema_version": "1.2.1", "total": 2, "result": [one, other]})
    assert [p.product for p in products] == ["ubuntu", "kubuntu"]


# --- snapshot ---------------------------------------------------------------------------------------------------


def test_snapshot_shape():
    products = parse_snapshot(read("eol_snapshot_sample.json"))
    esxi, rhel = products
    assert esxi.kind == "hypervisor" and "esx" in esxi.platform_names
    seven = esxi.get_cycle("7.0")
    assert (seven.eoas, seven.eos, seven.eoes, seven.latest) == (None, D(2025, 10, 2), None, "7.0 Update 3w")
    nine = rhel.get_cycle("9")
    assert nine.lts is True  # lts given as the date LTS starts
    assert (nine.eoas, nine.eos, nine.eoes) == (D(2027, 5, 31), D(2032, 5, 31), D(2036, 5, 31))
    # Snapshot booleans mean what v1 flags mean: true = ended.
    four = rhel.get_cycle("4")
    assert (four.eoas, four.eos, four.eoes) == (True, True, True)


def test_autodetect_and_file_loading(tmp_path):
    assert parse_endoflife(read("eol_v1_ubuntu.json"))[0].product == "ubuntu"
    assert [p.product for p in parse_endoflife(read("eol_snapshot_sample.json"))] == ["esxi", "rhel"]
    assert parse_endoflife(read("eol_v0_ubuntu.json"), product="ubuntu")[0].product == "ubuntu"
    with pytest.raises(ValueError, match="product slug is needed"):
        parse_endoflife(read("eol_v0_ubuntu.json"))
    target = tmp_path / "ubuntu.json"
    target.write_text((DATA / "eol_v0_ubuntu.json").read_text())
    assert load_endoflife_file(target)[0].product == "ubuntu"  # v0 slug from the file name
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="broken.json: not valid JSON"):
        load_endoflife_file(bad)
    with pytest.raises(ValueError, match="unrecognised format"):
        parse_endoflife({"hello": "world"})


# --- malformed input: clear errors naming product, cycle and field; never half-import --------------------------


def _v0(**changes):
    data = read("eol_v0_ubuntu.json")
    data[1].update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_v0(eol="01/04/2027"), r"v0 product 'ubuntu' cycle '22.04': eol: expected an ISO date"),
        (_v0(eol=None), r"cycle '22.04': eol: is required"),
        (_v0(support=12), r"cycle '22.04': support: expected a date"),
        (_v0(releaseDate="2022-13-01"), r"cycle '22.04': releaseDate: expected an ISO date"),
        (_v0(lts="yes"), r"cycle '22.04': lts: expected an ISO date"),
        (_v0(cycle=None), r"cycle #2: cycle: missing"),
        (_v0(cycle="24.04"), r"cycle '24.04': duplicate cycle"),
        (_v0(support="2028-01-01"), r"cycle '22.04': eoas \(2028-01-01\) is after eos \(2027-04-01\)"),
        ([], r"expected a non-empty list"),
        (["22.04"], r"cycle #1: expected an object"),
    ],
)
def test_v0_malformed(data, message):
    with pytest.raises(ValueError, match=message):
        parse_v0("ubuntu", data)


def _v1(release_changes=None, drop=None, **result_changes):
    data = read("eol_v1_ubuntu.json")
    release = data["result"]["releases"][1]
    release.update(release_changes or {})
    for key in drop or ():
        release.pop(key)
    data["result"].update(result_changes)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_v1({"eolFrom": "next year"}), r"v1 product 'ubuntu' cycle '22.04': eolFrom: expected an ISO date"),
        (_v1({"eolFrom": None, "isEol": "no"}), r"cycle '22.04': isEol: expected true/false"),
        (_v1(drop=("eolFrom", "isEol")), r"cycle '22.04': isEol/eolFrom: missing"),
        (_v1({"latest": "22.04.5"}), r"cycle '22.04': latest: expected an object"),
        (_v1(releases=[]), r"v1 product 'ubuntu': releases: expected a non-empty list"),
        (_v1(name=None), r"v1 result: name: missing"),
        ({"schema_version": "1.2.1"}, r"missing 'result'"),
    ],
)
def test_v1_malformed(data, message):
    with pytest.raises(ValueError, match=message):
        parse_v1(data)


def test_snapshot_malformed_rejects_whole_file():
    data = read("eol_snapshot_sample.json")
    data["rhel"]["releases"][0]["eol"] = "soon"
    # esxi is fine, rhel is not: nothing is returned.
    with pytest.raises(ValueError, match=r"snapshot product 'rhel' cycle '9': eol: expected an ISO date"):
        parse_snapshot(data)
    del data["rhel"]["releases"][0]["eol"]
    with pytest.raises(ValueError, match=r"cycle '9': eol: missing"):
        parse_snapshot(data)


# --- hardware notices CSV -----------------------------------------------------------------------------------------


def test_hardware_csv():
    notices = parse_hardware_notices_csv((DATA / "hardware_notices.csv").read_text())
    assert [n.model for n in notices] == ["WS-C2960X-48FPD-L", "ProLiant DL380 Gen9", "9611G"]
    cisco, hpe, avaya = notices
    assert (cisco.end_of_sale, cisco.end_of_support) == (D(2022, 10, 30), D(2027, 10, 31))
    assert (hpe.end_of_sale, hpe.end_of_support, hpe.notes) == (D(2019, 7, 31), None, "Support date not yet published")
    assert (avaya.end_of_sale, avaya.end_of_support) == (D(2023, 4, 1), D(2028, 3, 31))  # UK day first


def test_hardware_csv_excel_bom_and_separate_part_number():
    text = (
        "\ufeffVendor,Model,Part Number,Last Date of Sale,LDoS,URL\n"
        "Cisco,Catalyst 3750-X,WS-C3750X-48P-S,2016-10-30,2021-10-31,https://www.cisco.com/x\n"
    )
    [notice] = parse_hardware_notices_csv(text)
    assert notice.model == "Catalyst 3750-X" and notice.part_numbers == ("WS-C3750X-48P-S",)
    assert notice.match == ("Catalyst 3750-X", "WS-C3750X-48P-S")


def test_hardware_csv_errors_are_row_numbered_and_all_reported():
    text = (
        "manufacturer,model,end_of_sale,end_of_support,source\n"
        "Cisco,WS-C2960S-48LPS-L,31/13/2014,31/10/2019,https://www.cisco.com/a\n"  # row 2: bad month
        ",WS-C3560X,2016-10-30,2021-10-31,https://www.cisco.com/b\n"  # row 3: no manufacturer
        "Dell,R720,2015-01-01,2022-01-01,not a url\n"  # row 4: bad source
        "HPE,DL360p Gen8,,,https://support.hpe.com/\n"  # row 5: no dates
        "Cisco,CP-7960G,2014-01-01,2009-01-01,https://www.cisco.com/c\n"  # row 6: dates reversed
        "Cisco,WS-C2960X-24PS-L,30/10/2022,31/10/2027,https://www.cisco.com/d\n"  # row 7: fine
    )
    with pytest.raises(ValueError) as caught:
        parse_hardware_notices_csv(text)
    message = str(caught.value)
    assert "row 2: end_of_sale: '31/13/2014' is not a date" in message
    assert "row 3: manufacturer: missing" in message
    assert "row 4: source: expected an http(s) URL" in message
    assert "row 5: needs end_of_sale or end_of_support" in message
    assert "row 6: end_of_sale (2014-01-01) is after end_of_support (2009-01-01)" in message
    assert "row 7" not in message


def test_hardware_csv_missing_columns():
    with pytest.raises(ValueError, match=r"row 1: missing column\(s\): end_of_support, source"):
        parse_hardware_notices_csv("manufacturer,model,end_of_sale\nCisco,X,2020-01-01\n")
    with pytest.raises(ValueError, match="empty file"):
        parse_hardware_notices_csv("")
