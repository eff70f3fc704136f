"""One person's data as a file for them: JSON, or an Excel workbook with a sheet per kind of row."""

import io
import json

from django.core.serializers.json import DjangoJSONEncoder
from openpyxl import Workbook

from privacy.models import PersonalDataLog

CONTENT_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def personal_data_file_name(*, log: PersonalDataLog, fmt: str) -> str:
    return f"personopplysninger-{log.pk}.{fmt}"


def personal_data_json(*, log: PersonalDataLog, data: dict[str, list[dict]]) -> bytes:
    document = {"about": log.subject, "exported": log.created_at.isoformat(), "export_id": log.pk, **data}
    return json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode("utf-8")


def _cell(value: object) -> object:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def personal_data_xlsx(*, log: PersonalDataLog, data: dict[str, list[dict]]) -> bytes:
    workbook = Workbook()
    summary = workbook.active
    summary.title = "about"
    summary.append(["about", log.subject])
    summary.append(["exported", log.created_at.isoformat()])
    summary.append(["export_id", log.pk])
    for kind, rows in data.items():
        summary.append([kind, len(rows)])
        sheet = workbook.create_sheet(kind)
        if rows:
            columns = list(rows[0])
            sheet.append(columns)
            for row in rows:
                sheet.append([_cell(row[column]) for column in columns])
                for cell in sheet[sheet.max_row]:
                    if isinstance(cell.value, str):
                        cell.data_type = "s"  # a note that starts with "=" is text, not a formula
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
