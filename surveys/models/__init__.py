"""The survey's models, a module each by what they are: the question bank (bank), the yearly
questionnaires (questionnaires), rounds and their links (rounds), the municipalities' responses
(responses), and the freeze that keeps history (freezing). The analysis' models
(surveys.models.analytics) are imported here by name, so Django finds them with this app's."""

from surveys.models.analytics import (
    AnalysisBand,
    AnalysisExport,
    AnalysisJob,
    AnalysisReport,
    ClassificationScheme,
    MunicipalReport,
    OpenAnswerCategory,
    OpenAnswerTag,
    ReportQuestionSetting,
    ReportQuote,
)
from surveys.models.bank import (
    CODE_PATTERN,
    DONT_KNOW,
    NOT_RELEVANT,
    OPTION_CODE_PATTERN,
    MatrixItem,
    Question,
    QuestionOption,
    Scale,
    ScalePoint,
    code_validator,
)
from surveys.models.freezing import FROZEN_MESSAGE, FrozenError, FrozenModel
from surveys.models.past_rounds import PastRoundImport, PastRoundUpload
from surveys.models.questionnaires import CHIEF_ROLE_CODES, Item, Questionnaire, RespondentRole, Section
from surveys.models.responses import Answer, AnswerChange, Response, SectionProgress, SectionReopening
from surveys.models.rounds import DelegationEvent, Invitation, QuestionnaireLockedError, Survey
from surveys.texts import text_in_language

__all__ = [
    "CODE_PATTERN",
    "OPTION_CODE_PATTERN",
    "FROZEN_MESSAGE",
    "DONT_KNOW",
    "NOT_RELEVANT",
    "AnalysisBand",
    "ClassificationScheme",
    "AnalysisExport",
    "AnalysisJob",
    "AnalysisReport",
    "MunicipalReport",
    "Answer",
    "AnswerChange",
    "DelegationEvent",
    "FrozenError",
    "FrozenModel",
    "Invitation",
    "Item",
    "MatrixItem",
    "OpenAnswerCategory",
    "OpenAnswerTag",
    "PastRoundImport",
    "PastRoundUpload",
    "Question",
    "QuestionOption",
    "ReportQuestionSetting",
    "ReportQuote",
    "RespondentRole",
    "CHIEF_ROLE_CODES",
    "Questionnaire",
    "QuestionnaireLockedError",
    "Response",
    "Scale",
    "ScalePoint",
    "Section",
    "SectionProgress",
    "SectionReopening",
    "Survey",
    "code_validator",
    "text_in_language",
]
