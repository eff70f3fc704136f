"""The workspace's services: an upload keeps the file and the suggested mapping; the admin's
decisions per column (a new question's code, type, classification and theme among them) change
the mapping; the import by it lets the upload go."""

import pytest

from surveys.models import PastRoundUpload, Question
from surveys.past_rounds.services import past_round_upload_create, past_round_upload_import, past_round_upload_map
from tests.past_rounds.files import DAY_2015

pytestmark = pytest.mark.django_db


def test_the_admin_s_decisions_shape_the_import(demo_bank, files_2015, survey_admin):
    # given
    sav = files_2015[0]
    upload = past_round_upload_create(
        name=sav.name,
        content=sav.read_bytes(),
        year=2015,
        reference_day=DAY_2015,
        previous=None,
        uploaded_by=survey_admin,
    )
    assert upload.mapping["columns"]["q99"]["action"] == "new"

    # when: q99 becomes Q99 on the rotating theme "Samarbeid", and q5 is left out
    past_round_upload_map(
        upload=upload,
        columns={
            "q99": {
                "action": "new",
                "new_code": "Q99",
                "new_classification": "rotating",
                "new_theme": "Samarbeid",
                "new_type": "",
            },
            "q5": {"action": "ignore"},
        },
    )
    survey = past_round_upload_import(upload=upload, imported_by=survey_admin)

    # then
    question = Question.objects.get(code="Q99")
    assert (question.series, question.classification, question.theme) == ("Q99", "rotating", "Samarbeid")
    codes = set(survey.questionnaire.items.values_list("question__code", flat=True))
    assert "Q99" in codes and "Q05" not in codes and "Q04" in codes
    assert not PastRoundUpload.objects.exists()
