"""A realistic council ICT asset register, as exported from a spreadsheet, for the import tests.

Run `python -m tests.inventory.council_register` to rewrite tests/inventory/fixtures/council_asset_register.xlsx.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
XLSX_PATH = FIXTURES / "council_asset_register.xlsx"
TITLE = "Borough Council – ICT Asset Register (exported 03/03/2025)"
HEADERS = ["Asset No", "Computer Name", "Device Type", "Make", "Model", "Serial No.", "Operating System", "Building",
           "Room", "Department", "Assigned User", "IP Address", "Date Purchased", "Warranty Expiry", "Cost (£)",
           "Status", "Notes"]
SITES = ("Town Hall", "Riverside Depot", "Central Library")

D = dt.date
# Dates are date objects (Excel date cells in the XLSX, dd/mm/yyyy in the CSV) or text as typed by people.
ROWS: list[list[object]] = [
    ["TH-0001", "TH-PC-0001", "Desktop", "Dell", "OptiPlex 7010", "5XK2M52", "Windows 10 Pro 22H2", "Town Hall",
     "Ground Floor – Reception", "Customer Services", "j.smith", "10.10.1.21", D(2016, 4, 1), D(2019, 4, 1),
     "£549.00", "In Use", "Replacement due"],
    ["TH-0002", "TH-PC-0002", "Desktop PC", "Dell", "OptiPlex 7010", "5XK2M53", "Windows 10 Pro 22H2", "Town Hall",
     "Ground Floor – Reception", "Customer Services", "a.jones", "DHCP", "1 Apr 2016", "01/04/2019", 549,
     "In Use", ""],
    ["TH-0003", "TH-LT-0003", "Laptop", "HP", "HP EliteBook 840 G5", "5CG8341XYZ", "Windows 11 Pro 23H2",
     "Town Hall", "First Floor", "Revenues & Benefits", "b.patel", "", D(2019, 9, 12), D(2022, 9, 11),
     "£1,049.99", "In Use", "<script>alert('x')</script>"],
    ["TH-0004", "TH-LT-0004", "Notebook", "Lenovo", "ThinkPad T14 Gen 3", "PF3ABC12", "Windows 11 Pro",
     "Town Hall", "First Floor", "Housing", "c.evans", "", "12/01/2023", "12/01/2026", "1,150.00", "Live",
     "=HYPERLINK(\"http://example.test\",\"click\")"],
    ["TH-0005", "TH-SRV-01", "Server", "Dell", "PowerEdge R740", "8JHQ4N2", "Windows Server 2016 Standard",
     "Town Hall", "Comms Room", "ICT", "", "10.10.0.11", D(2017, 11, 30), D(2022, 11, 29), "£6,250.00",
     "Live", "File and print"],
    ["TH-0006", "TH-SRV-02", "Server", "Dell", "PowerEdge R740", "8JHQ4N3", "Windows Server 2012 R2",
     "Town Hall", "Comms Room", "ICT", "", "10.10.0.12", D(2015, 3, 2), "02/03/2020", "£5,800.00", "Live",
     "SQL – Revs & Bens"],
    ["TH-0007", "TH-SW-CORE", "Switch", "Cisco", "Catalyst 9300-48P", "FOC2233X0AB", "IOS XE 17.9.4",
     "Town Hall", "Comms Room", "ICT", "", "10.10.0.2", "20/06/2021", "20/06/2026", "£4,300", "In Use", ""],
    ["TH-0008", "TH-PRN-01", "MFD", "Ricoh", "IM C3000", "3100R700123", "", "Town Hall", "Ground Floor – Reception",
     "Customer Services", "", "10.10.1.200", "3/2/18", "3/2/21", "", "In Use", "Leased"],
    ["TH-0009", "TH-UPS-01", "UPS", "APC", "Smart-UPS SRT 3000", "AS1934123456", "", "Town Hall", "Comms Room",
     "ICT", "", "10.10.0.20", D(2019, 5, 1), D(2022, 5, 1), "£1,899.00", "In Use", ""],
    ["TH-0010", "TH-PH-0010", "IP Phone", "Avaya", "J179", "19WZ12345678", "", "Town Hall", "First Floor",
     "Housing", "c.evans", "10.10.5.10", "14 Feb 2020", "", "£189.00", "In Use", ""],
    ["RD-0001", "RD-PC-0001", "Desktop", "HP", "ProDesk 600 G3", "CZC7251ABC", "Windows 10 Pro 21H2",
     "Riverside Depot", "Transport Office", "Waste & Recycling", "d.green", "", D(2017, 7, 3), D(2020, 7, 2),
     "£480.00", "In Use", ""],
    ["RD-0002", "RD-PC-0002", "Desktop", "HP", "ProDesk 600 G3", "CZC7251ABD", "Windows 10 Pro 21H2",
     "Riverside Depot", "Transport Office", "Waste & Recycling", "", "", D(2017, 7, 3), D(2020, 7, 2), "£480.00",
     "Spare", ""],
    ["RD-0003", "RD-SW-01", "Network Switch", "Cisco", "Catalyst 2960-X", "FOC1901Y1AB", "IOS 15.2(7)E4",
     "Riverside Depot", "Comms Cupboard", "ICT", "", "10.20.0.2", "05/05/2015", "05/05/2020", "£1,200.00",
     "In Use", "End of support"],
    ["RD-0004", "RD-LT-0004", "Laptop", "Dell", "Latitude 5420", "HX7K9Q3", "Windows 11 Pro 22H2",
     "Riverside Depot", "Transport Office", "Fleet", "e.hall", "", "30/11/2021", "30/11/2024", "£899.00",
     "In Use", ""],
    ["RD-0005", "RD-AP-01", "Access Point", "Cisco", "Aironet 2802I", "FGL2233A0XY", "", "Riverside Depot",
     "Workshop", "ICT", "", "10.20.0.30", "01/09/2018", "", "£450.00", "In Use", ""],
    ["CL-0001", "CL-PC-0001", "Desktop", "Lenovo", "ThinkCentre M720q", "MJ0ABC12", "Windows 10 Pro 22H2",
     "Central Library", "Public PCs", "Libraries", "", "", D(2018, 10, 15), D(2021, 10, 14), "£520.00", "In Use",
     "Public access"],
    ["CL-0002", "CL-PC-0002", "Desktop", "Lenovo", "ThinkCentre M720q", "MJ0ABC13", "Windows 10 Pro 22H2",
     "Central Library", "Public PCs", "Libraries", "", "", D(2018, 10, 15), D(2021, 10, 14), "£520.00", "In Use",
     "Public access"],
    ["CL-0003", "CL-THIN-01", "Thin Client", "Dell", "Wyse 5070", "9QW8E7R", "", "Central Library", "Staff Room",
     "Libraries", "", "", "2019-02-14", "2022-02-13", "£299.00", "Faulty", ""],
    ["CL-0004", "CL-PRN-01", "Printer", "HP", "LaserJet Pro M404dn", "PHBBB12345", "", "Central Library",
     "Staff Room", "Libraries", "", "10.30.1.50", "22/08/2016", "22/08/2017", "£199.00", "Disposed", "Written off"],
    ["CL-0005", "CL-SRV-01", "Server", "HPE", "ProLiant DL380 Gen10", "CZJ9340ABC", "Ubuntu 20.04 LTS",
     "Central Library", "Comms Room", "ICT", "", "10.30.0.10", "01-Apr-2019", "31-Mar-2024", "£4,999.00",
     "In Use", "Library management system"],
]


def _csv_cell(value: object) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


def csv_text(delimiter: str = ",", *, title: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if title:
        writer.writerow([TITLE])
        writer.writerow([])
    writer.writerow(HEADERS)
    for row in ROWS:
        writer.writerow([_csv_cell(c) for c in row])
    return out.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Asset Register"
    sheet.append([TITLE])
    sheet.append([])
    sheet.append(HEADERS)
    for row in ROWS:
        cells = [dt.datetime.combine(c, dt.time()) if isinstance(c, dt.date) else c for c in row]
        # Costs as numbers where a spreadsheet would hold them as numbers.
        cells[14] = float(str(cells[14]).replace("£", "").replace(",", "")) if cells[14] else None
        sheet.append(cells)
    for cells in sheet.iter_rows(min_row=4):
        for cell in cells:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "DD/MM/YYYY"
    summary = book.create_sheet("Summary")
    summary.append(["Total", "=COUNTA('Asset Register'!A4:A100)"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


if __name__ == "__main__":
    FIXTURES.mkdir(exist_ok=True)
    XLSX_PATH.write_bytes(xlsx_bytes())
    print(f"wrote {XLSX_PATH}")
