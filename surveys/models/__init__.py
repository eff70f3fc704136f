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
    OpenAnswerCategory,
    OpenAnswerTag,
)
from surveys.models.bank import (
    CODE_PATTERN,
    NOT_RELEVANT,
    MatrixItem,
    Question,
    QuestionOption,
    Scale,
    ScalePoint,
    code_validator,
)
from surveys.models.freezing import FROZEN_MESSAGE, FrozenError, FrozenModel
from surveys.models.questionnaires import Item, Questionnaire, Section
from surveys.models.responses import Answer, AnswerChange, Response, SectionProgress, SectionReopening
from surveys.models.rounds import DelegationEvent, Invitation, QuestionnaireLockedError, Survey
from surveys.texts import text_in_language

__all__ = [
    "CODE_PATTERN",
    "FROZEN_MESSAGE",
    "NOT_RELEVANT",
    "AnalysisBand",
    "ClassificationScheme",
    "AnalysisExport",
    "AnalysisJob",
    "AnalysisReport",
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
    "Question",
    "QuestionOption",
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
