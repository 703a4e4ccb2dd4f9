#!/usr/bin/python3
"""Make the workbooks under tests/fixtures/sheets/ with LibreOffice Calc.

The tests only read the committed files; this script is how they were
made, so that they come from a spreadsheet program rather than from
pathway's own writer. It needs LibreOffice and its Python bridge
(Debian: apt-get install libreoffice-calc-nogui python3-uno) and runs
with the system Python:

    /usr/bin/python3 scripts/sheet-fixtures.py tests/fixtures/sheets

Every value is made up or taken from the public seeds.
"""

import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.table import CellRangeAddress

OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/sheets")
PIPE = "pathway_fixtures"


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect():
    proc = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--norestore", "--nologo",
         f"--accept=pipe,name={PIPE};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(100):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={PIPE};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.3)
    else:
        raise SystemExit("LibreOffice did not start")
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    return proc, desktop


class Book:
    def __init__(self, desktop):
        self.doc = desktop.loadComponentFromURL("private:factory/scalc", "_blank", 0, (prop("Hidden", True),))
        self.formats = self.doc.NumberFormats
        self.locale = uno.createUnoStruct("com.sun.star.lang.Locale")

    def fmt(self, code):
        key = self.formats.queryKey(code, self.locale, False)
        if key == -1:
            key = self.formats.addNew(code, self.locale)
        return key

    def sheet(self, index, name):
        sheets = self.doc.Sheets
        if index >= sheets.Count:
            sheets.insertNewByName(name, index)
        s = sheets.getByIndex(index)
        s.Name = name
        return s

    def save(self, name, filt):
        url = uno.systemPathToFileUrl(os.path.join(OUT, name))
        self.doc.storeToURL(url, (prop("FilterName", filt),))

    def close(self):
        self.doc.close(True)


def put(book, sheet, row, col, v):
    """Write v into (row, col): ("date", y, m, d[, h, mi]), ("num", x[, code]),
    ("formula", text[, code]), or text."""
    c = sheet.getCellByPosition(col, row)
    if isinstance(v, tuple):
        kind = v[0]
        if kind == "date":
            y, m, d = v[1:4]
            if len(v) > 4:
                c.Formula = f"=DATE({y};{m};{d})+TIME({v[4]};{v[5]};0)"
                c.NumberFormat = book.fmt("DD/MM/YYYY HH:MM")
            else:
                c.Formula = f"=DATE({y};{m};{d})"
                c.NumberFormat = book.fmt("DD/MM/YYYY")
            # Keep the value, not the formula: a date typed in.
            c.Value = c.Value
        elif kind == "num":
            c.Value = v[1]
            if len(v) > 2:
                c.NumberFormat = book.fmt(v[2])
        elif kind == "formula":
            c.Formula = v[1]
            if len(v) > 2:
                c.NumberFormat = book.fmt(v[2])
    elif v is None:
        pass
    else:
        c.String = v


def fill(book, sheet, rows, first_row=0, bold_header=True):
    for r, row in enumerate(rows):
        for col, v in enumerate(row):
            put(book, sheet, first_row + r, col, v)
    if bold_header:
        header = sheet.getCellRangeByPosition(0, first_row, len(rows[0]) - 1, first_row)
        header.CharWeight = 150.0  # bold
        header.CellBackColor = 0xDDEBF7


REFERRAL_HEADER = ["client_ref", "referred_on", "source", "service", "area", "needs", "outcome",
                   "first_contact_on", "ref", "risk", "marac"]

REFERRALS = [
    REFERRAL_HEADER,
    ["BC-0042", ("date", 2021, 4, 12), "probation", "Beth Centre", "Lambeth", "housing;mental_health",
     "engaged", ("date", 2021, 4, 15), "R-2104-0004", "", "no"],
    ["BC-0043", ("date", 2021, 4, 13), "police", "Southwark spoke", "Southwark", "domestic_abuse;housing",
     "accepted", ("date", 2021, 4, 14, 0, 0), "R-2104-0005", "high", "yes"],
    ["BC-0044", ("date", 2021, 4, 20), "self", "Beth Centre", "Lambeth", "debt", "", "", "R-2104-0006", "", "no"],
]


def referrals(desktop):
    b = Book(desktop)
    s = b.sheet(0, "Referrals")
    fill(b, s, REFERRALS)
    # An empty row at the end that a person formatted but left empty.
    trailing = s.getCellRangeByPosition(0, len(REFERRALS) + 1, len(REFERRAL_HEADER) - 1, len(REFERRALS) + 2)
    trailing.CellBackColor = 0xFFF2CC
    notes = b.sheet(1, "Notes")
    fill(b, notes, [["note"], ["April referrals, entered by the centre"]])
    b.save("referrals.xlsx", "Calc MS Excel 2007 XML")
    b.save("referrals.ods", "calc8")
    b.save("referrals.xls", "MS Excel 97")
    b.close()


DECISION_HEADER = ["ref", "commissioner", "title", "received_on", "amount", "budget_year", "spend_type"]


def decisions(desktop):
    b = Book(desktop)
    s = b.sheet(0, "Decisions")
    fill(b, s, [
        DECISION_HEADER,
        # Refs typed in as numbers, as a spreadsheet stores them.
        [("num", 2021.021), "Nottinghamshire OPCC", "Domestic Abuse Partnership Car Pilot", ("date", 2021, 3, 9),
         ("formula", "=23966+23047", "£#,##0.00"), "2021/22", "revenue"],
        [("num", 2021.027), "Nottinghamshire OPCC", "Supported Accommodation: Women in the CJS",
         ("date", 2021, 3, 15), ("num", 14000, "£#,##0.00"), "2021/22", "revenue"],
    ])
    b.save("decisions-typed.xlsx", "Calc MS Excel 2007 XML")
    b.close()

    b = Book(desktop)
    s = b.sheet(0, "Decisions")
    fill(b, s, [
        DECISION_HEADER,
        # 2021.010 typed in as a number: the spreadsheet keeps 2021.01.
        [("num", 2021.010), "Nottinghamshire OPCC", "Women's Centre Core Costs", ("date", 2021, 3, 9),
         ("num", 12000), "2021/22", "revenue"],
    ])
    b.save("decisions-damaged.xlsx", "Calc MS Excel 2007 XML")
    b.close()


def problems(desktop):
    b = Book(desktop)
    s = b.sheet(0, "April")
    # A title merged across the columns above the header row.
    put(b, s, 0, 0, "Beth Centre referrals, April 2021")
    title = s.getCellRangeByPosition(0, 0, len(REFERRAL_HEADER) - 1, 0)
    title.merge(True)
    title.CharWeight = 150.0
    rows = [
        REFERRAL_HEADER,
        ["BC-0042", ("date", 2021, 4, 12), "probation", "Beth Centre", "Lambeth", "housing", "", "", "R-2104-0004",
         "", "no"],
        ["BC-0043", ("formula", "=NA()"), "police", "Beth Centre", "Lambeth", "housing", "", "31/02/2021",
         "R-2104-0005", "", "no"],
    ]
    fill(b, s, rows, first_row=1)
    b.save("referrals-problems.xlsx", "Calc MS Excel 2007 XML")
    b.close()


def main():
    os.makedirs(OUT, exist_ok=True)
    proc, desktop = connect()
    try:
        referrals(desktop)
        decisions(desktop)
        problems(desktop)
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
