"""The upload caps and readers every upload goes through."""

import io
import zipfile

import pytest

from operations.upload_limits import (
    MAX_COLUMNS,
    UploadLimits,
    UploadRefused,
    upload_errors_head,
    upload_read_csv,
    upload_read_xlsx,
)
from tests.workbooks import sheet_xml, xlsx_raw

LIMITS = UploadLimits(max_bytes=1_000_000, max_expanded_bytes=5_000_000, max_rows=10)


def test_a_csv_row_beyond_the_cap_is_refused_where_it_starts():
    content = "a,b\n" + "1,2\n" * 10

    assert len(upload_read_csv(content=content.encode(), limits=LIMITS).rows) == 11
    with pytest.raises(UploadRefused) as refused:
        upload_read_csv(content=(content + "3,4\n").encode(), limits=LIMITS)
    assert refused.value.row == 12 and "10" in refused.value.message


def test_a_nul_is_refused_with_its_row_and_column():
    with pytest.raises(UploadRefused) as refused:
        upload_read_csv(content=b"name,email\nKari,kari\x00@b.no\n", limits=LIMITS)

    assert (refused.value.row, refused.value.column) == (2, "email")


def test_a_value_beyond_the_last_column_is_refused_and_empty_cells_there_are_not():
    wide = ["x"] * MAX_COLUMNS

    assert upload_read_csv(content=(",".join(wide) + ",,\n").encode(), limits=LIMITS).rows == [(1, wide)]
    assert upload_read_xlsx(content=xlsx_raw({"s": sheet_xml([wide + [""]])}), limits=LIMITS)["s"].rows == [(1, wide)]
    with pytest.raises(UploadRefused) as refused:
        upload_read_xlsx(content=xlsx_raw({"s": sheet_xml([wide + ["y"]])}), limits=LIMITS)
    assert (refused.value.row, refused.value.column) == (1, "GS")


def test_a_sheet_is_read_by_the_rows_it_has_whatever_its_dimension_claims():
    content = xlsx_raw({"s": sheet_xml([["a", "b"], ["1", "2"]], dimension="A1:XFD1048576")})

    [sheet] = upload_read_xlsx(content=content, limits=LIMITS).values()

    assert sheet.rows == [(1, ["a", "b"]), (2, ["1", "2"])]


def test_a_row_far_below_the_table_counts_as_beyond_the_cap():
    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    xml = sheet_xml([["a"]]).replace("</sheetData>", far + "</sheetData>")

    with pytest.raises(UploadRefused) as refused:
        upload_read_xlsx(content=xlsx_raw({"s": xml}), limits=LIMITS)

    assert refused.value.row == 12


def _with_sheet_bytes(content: bytes, data: bytes) -> bytes:
    """The workbook with its first sheet's part replaced by these bytes."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, data if info.filename == "xl/worksheets/sheet1.xml" else source.read(info))
    return buffer.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "utf-16-be"])
def test_a_dtd_in_any_encoding_is_refused_before_openpyxl_parses_it(encoding):
    # given: a DTD after a comment, in a sheet written in UTF-8 or UTF-16 (with its byte order mark)
    body = sheet_xml([["a"]]).split("?>", 1)[1]
    part = f'<?xml version="1.0" encoding="{encoding[:6].upper()}"?><!-- first --><!DOCTYPE worksheet>{body}'
    data = part.encode(encoding) if encoding == "utf-8" else "\ufeff".encode(encoding) + part.encode(encoding)
    content = _with_sheet_bytes(xlsx_raw({"s": sheet_xml([["a"]])}), data)

    # when
    with pytest.raises(UploadRefused) as refused:
        upload_read_xlsx(content=content, limits=LIMITS)

    # then
    assert "DTD" in refused.value.message and "xl/worksheets/sheet1.xml" in refused.value.message


def test_openpyxl_parses_with_defusedxml():
    from openpyxl import DEFUSEDXML

    assert DEFUSEDXML, "defusedxml (requirements.txt) keeps openpyxl from expanding entities"


def test_the_size_caps_are_checked_first():
    content = xlsx_raw({"s": sheet_xml([["a"]] * 5)})

    with pytest.raises(UploadRefused, match="byte"):
        upload_read_xlsx(content=content, limits=UploadLimits(100, 10_000, 10))
    with pytest.raises(UploadRefused, match="unpack"):
        upload_read_xlsx(content=content, limits=UploadLimits(100_000, 100, 10))


def test_a_page_lists_the_first_50_errors_and_counts_the_rest():
    assert upload_errors_head(list(range(60))) == (list(range(50)), 10)
    assert upload_errors_head([1, 2]) == ([1, 2], 0)
