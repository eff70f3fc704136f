"""Workbooks for upload tests: ordinary ones written by openpyxl, and raw ones whose XML a test
writes itself (a sheet that lies about its size, a DTD, rows that compress a thousandfold)."""

import io
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

from openpyxl import Workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"


def xlsx_bytes(sheets: dict[str, list[list]], *, formulas: bool = False) -> bytes:
    """A workbook with these sheets, in order, written by openpyxl. A text cell that starts with
    '=' stays text unless `formulas` (openpyxl writes it as a formula, which has no value until a
    spreadsheet program computes it)."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and cell.data_type == "f" and not formulas:
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_xml(rows: Iterable[Iterable[str]], *, dimension: str | None = None, doctype: str = "") -> str:
    """A worksheet with inline strings, rows and cells numbered by position as Excel does when it
    leaves the numbers out."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="{MAIN}">']
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append("<sheetData>")
    for row in rows:
        cells = "".join(f'<c t="inlineStr"><is><t>{escape(str(value))}</t></is></c>' for value in row)
        parts.append(f"<row>{cells}</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def xlsx_raw(sheets: dict[str, str]) -> bytes:
    """The smallest package Excel and openpyxl open: a workbook with these sheets (title: sheet XML)."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, len(sheets) + 1)
    )
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            + "".join(
                f'<sheet name="{escape(title)}" sheetId="{n}" r:id="rId{n}"/>'
                for n, title in enumerate(sheets, start=1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                for n in range(1, len(sheets) + 1)
            )
            + "</Relationships>"
        ),
    }
    for n, xml in enumerate(sheets.values(), start=1):
        files[f"xl/worksheets/sheet{n}.xml"] = xml
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for name, text in files.items():
            package.writestr(name, text)
    return buffer.getvalue()
