"""XLSForm, the questionnaire format of ODK, KoboToolbox and SurveyCTO: reading with pyxform
(reading), mapping onto the question bank (mapping), export (writing), and what an import
reports (report)."""

from surveys.xlsform.mapping import language_code, questionnaire_import_xlsform
from surveys.xlsform.report import ImportReport, RowNote, XLSFormImportError
from surveys.xlsform.writing import questionnaire_export_xlsform

__all__ = [
    "ImportReport",
    "RowNote",
    "XLSFormImportError",
    "language_code",
    "questionnaire_export_xlsform",
    "questionnaire_import_xlsform",
]
