"""One person's data as a file for them: JSON, or an Excel workbook with a sheet per kind of row
(texts as text cells, never formulas: operations/spreadsheets.py)."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from operations.spreadsheets import XLSX_CONTENT_TYPE, xlsx_bytes
from privacy.models import PersonalDataLog

CONTENT_TYPES = {"json": "application/json", "xlsx": XLSX_CONTENT_TYPE}


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
    summary: list[list[object]] = [
        ["about", log.subject],
        ["exported", log.created_at.isoformat()],
        ["export_id", log.pk],
        *([kind, len(rows)] for kind, rows in data.items()),
    ]
    sheets: dict[str, list[list[object]]] = {"about": summary}
    for kind, rows in data.items():
        columns = list(rows[0]) if rows else []
        sheets[kind] = [[_cell(row[column]) for column in columns] for row in rows]
        if rows:
            sheets[kind].insert(0, columns)
    return xlsx_bytes(sheets)
