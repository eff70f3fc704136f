"""XLSForm import under Hypothesis: whatever the survey and choices sheets hold, the admin's
import page answers with a page, never a server error; a form with an error lists it and imports
nothing (not even into the question bank), and a form without one gives a questionnaire that
the platform can use as it is."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from surveys.models import Question, Questionnaire, Scale
from surveys.services.questionnaires import questionnaire_problems
from tests.workbooks import xlsx_bytes

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
WILD = st.one_of(
    st.sampled_from(["", " ", "=1+1", "\u202e", "x005F_", "²", "9" * 40, "${", "((((((((((", "${q1} = "]),
    st.text(max_size=30),
    st.text(min_size=201, max_size=320),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False),
)
SURVEY_COLUMNS = {
    "type": [
        "text",
        "integer",
        "decimal",
        "note",
        "select_one L",
        "select_multiple L",
        "select_one yes_no",
        "select_one quality",
        "select_one missing",
        "begin group",
        "end group",
        "begin repeat",
        "end repeat",
        "calculate",
        "start",
        "text or_other",
    ],
    "name": ["q1", "q2", "q3", "part", "Q 3", "1abc", "", "x" * 50],
    "label": ["Spørsmål", "Del", "", "x" * 301],
    "relevant": ["", "${q1} = 'a'", "${q2} > 3", "${missing} = 1", "selected(${q1}, 'a')"],
    "constraint": ["", ". >= 0 and . <= 10", "count-selected(.) <= 2"],
    "appearance": ["", "multiline", "field-list"],
    "x_max_choices": ["", "2", "many"],
    "x_min": ["", "0", "low"],
    "x_max": ["", "100"],
    "x_scale": ["", "quality"],
    "x_role": ["", "chief_executive", "schools"],
    "x_matrix": ["", "grid"],
    "x_comment": ["", "yes"],
}
CHOICE_COLUMNS = {
    "list_name": ["L", "yes_no", "quality"],
    "name": ["a", "b", "yes", "no", "not_relevant", "A B"],
    "label": ["Alternativ", ""],
    "x_value": ["", "1", "2", "99999", "²"],
}


def _sheet(columns: dict[str, list[str]]):
    @st.composite
    def row(draw):
        values = [draw(st.sampled_from(choices)) for choices in columns.values()]
        for index in draw(st.sets(st.integers(min_value=0, max_value=len(values) - 1), max_size=3)):
            values[index] = draw(WILD)
        return [ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in values]

    return st.lists(row(), max_size=8).map(lambda rows: [list(columns), *rows])


@pytest.fixture
def import_page(client, survey_admin):
    client.force_login(survey_admin)

    def post(questionnaire: Questionnaire, content: bytes):
        url = reverse("admin:surveys_questionnaire_xlsform_import", args=[questionnaire.pk])
        return client.post(url, {"file": SimpleUploadedFile("form.xlsx", content)})

    return post


def test_any_xlsform_is_refused_with_its_errors_or_imported_whole(import_page, rolled_back):
    @EXAMPLES
    @given(survey=_sheet(SURVEY_COLUMNS), choices=_sheet(CHOICE_COLUMNS))
    def check(survey, choices):
        with rolled_back():
            # given
            questionnaire = Questionnaire.objects.create(title="Fuzz", year=2035)
            bank = (Question.objects.count(), Scale.objects.count())

            # when
            page = import_page(questionnaire, xlsx_bytes({"survey": survey, "choices": choices}))

            # then
            assert page.status_code == 200
            text = page.content.decode()
            if 'class="errornote"' in text:
                event("refused")
                note = text.split('class="errornote"', 1)[1].split("</div>", 1)[0]
                assert re.findall(r"<li>.+?</li>", note, re.S)
                assert not questionnaire.sections.exists()
                assert (Question.objects.count(), Scale.objects.count()) == bank
                return
            event("imported")
            sections, created = re.search(r"Importerte (\d+) deler: (\d+) nye", text).groups()
            assert questionnaire.sections.count() == int(sections)
            assert Question.objects.count() == bank[0] + int(created)
            assert int(sections) == 0 or questionnaire_problems(questionnaire) == []

    check()
