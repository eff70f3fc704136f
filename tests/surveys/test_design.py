"""Designing a round: conditions checked on save, next year's draft, preview as a municipality."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from municipalities.models import Municipality, MunicipalityProfile
from surveys.models import Item, Question, Questionnaire, Scale, Section, Survey
from surveys.services.questionnaires import (
    profile_values,
    question_new_version,
    questionnaire_load,
    questionnaire_problems,
    questionnaire_visibility,
    survey_create_next,
)
from surveys.services.rounds import survey_open
from surveys.xlsform import questionnaire_export_xlsform

NOW = timezone.now()


def _next(draft_round, keep=(), year=2026):
    return survey_create_next(
        source=draft_round,
        year=year,
        title=f"Runde {year}",
        opens_at=NOW + datetime.timedelta(days=300),
        closes_at=NOW + datetime.timedelta(days=350),
        keep_question_ids={Question.objects.get(code=code).pk for code in keep},
    )


def test_the_fixture_questionnaire_is_valid(small_questionnaire):
    assert questionnaire_problems(small_questionnaire) == []


def test_next_years_round_keeps_recurring_questions_and_the_chosen_rotating_ones(draft_round):
    survey_open(survey=draft_round)

    survey = _next(draft_round, keep=["R1"])

    codes = list(
        survey.questionnaire.items.order_by("section__position", "position").values_list("question__code", flat=True)
    )
    assert codes == ["Q1", "Q2", "Q3", "R1", "Q4"]
    assert survey.status == Survey.Status.DRAFT and not survey.questionnaire.is_frozen
    assert survey.questionnaire.items.get(question__code="Q1").question_id == Question.objects.get(code="Q1").pk
    assert survey.questionnaire.sections.get(code="intro").condition == "${settles_refugees} = true"
    assert questionnaire_problems(survey.questionnaire) == []


def test_dropping_a_question_that_a_kept_condition_uses_is_refused(draft_round):
    # given: C1 (current affairs) is kept and depends on Q2; make R1 depend on C1 instead
    Item.objects.filter(question__code="R1").update(condition="${C1} > 10")

    with pytest.raises(ValidationError) as error:
        _next(draft_round, keep=["R1"])

    assert "R1" in error.value.messages[0] and "C1" in error.value.messages[0]
    assert not Survey.objects.filter(year=2026).exists()


def test_a_year_gets_one_round(draft_round):
    with pytest.raises(ValidationError, match="already a round for 2025"):
        _next(draft_round, year=2025)


def test_the_next_round_page_creates_the_draft(client, survey_admin, draft_round):
    client.force_login(survey_admin)
    url = reverse("studio-round-next", args=[draft_round.pk])
    page = client.get(url)
    assert page.status_code == 200 and "R1" in page.content.decode()

    response = client.post(
        url,
        {
            "year": 2026,
            "title": "Runde 2026",
            "opens_at": "2026-09-01T08:00",
            "closes_at": "2026-10-20T16:00",
            "keep": [],
        },
    )

    assert response.status_code == 302
    survey = Survey.objects.get(year=2026)
    assert survey.questionnaire.title == "Test 2026"  # a title without its year gets it added
    assert set(survey.questionnaire.items.values_list("question__code", flat=True)) == {"Q1", "Q2", "Q3", "Q4"}


def test_only_survey_admins_may_design(client, analyst, draft_round):
    client.force_login(analyst)

    assert client.get(reverse("studio-round-next", args=[draft_round.pk])).status_code == 403
    assert client.get(reverse("admin:surveys_question_add")).status_code == 403
    assert client.get(reverse("admin:surveys_question_changelist")).status_code == 200


def test_a_new_version_of_a_question_keeps_the_series_and_copies_the_options(small_questionnaire):
    q2 = Question.objects.get(code="Q2")

    new = question_new_version(question=q2, changes={"text_nb": "Velg inntil to"})

    assert (new.code, new.series, new.previous_version_id, new.max_choices) == ("Q2_v2", "Q2", q2.pk, 2)
    assert list(new.options.values_list("code", flat=True)) == ["housing", "jobs", "money"]
    assert small_questionnaire.items.get(question__series="Q2").question == new
    assert small_questionnaire.items.get(question__code="C1").condition == "selected(${Q2_v2}, 'housing')"
    with pytest.raises(ValidationError, match="type"):
        question_new_version(question=q2, changes={"type": "short_text"})


def _section_post(section, rows):
    data = {
        "questionnaire": section.questionnaire_id,
        "position": section.position,
        "code": section.code,
        "role": section.role,
        "title_nb": section.title_nb,
        "title_nn": "",
        "title_en": "",
        "condition": section.condition,
        "items-TOTAL_FORMS": str(len(rows)),
        "items-INITIAL_FORMS": str(sum(1 for r in rows if r.get("id"))),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"items-{index}-{key}"] = value
        data[f"items-{index}-section"] = section.pk
    return data


@pytest.mark.parametrize(
    ("condition", "message_part"),
    [
        ("${Q2} = 'housing'", "selected"),
        ("${Q1} = 'maybe'", "maybe"),
        ("${R1} = 'x'", "R1"),
        ("${Q1} = 'yes' and", "16"),
        ("${Q77} = 1", "Q77"),
    ],
)
def test_the_admin_refuses_an_item_condition_that_does_not_check(
    client, survey_admin, small_questionnaire, condition, message_part
):
    section = Section.objects.get(questionnaire=small_questionnaire, code="chief")
    items = list(section.items.order_by("position"))
    rows = [
        {"id": item.pk, "position": item.position, "question": item.question_id, "condition": item.condition}
        for item in items
    ]
    rows[3]["condition"] = condition  # R1, the fourth item
    client.force_login(survey_admin)

    response = client.post(reverse("admin:surveys_section_change", args=[section.pk]), _section_post(section, rows))

    assert response.status_code == 200, "the form is shown again with the error"
    assert message_part in response.content.decode()
    assert Item.objects.get(question__code="R1").condition == "${Q1} = 'yes'"


def test_the_admin_saves_a_valid_condition(client, survey_admin, small_questionnaire):
    section = Section.objects.get(questionnaire=small_questionnaire, code="chief")
    rows = [
        {"id": i.pk, "position": i.position, "question": i.question_id, "condition": i.condition}
        for i in section.items.order_by("position")
    ]
    rows[3]["condition"] = "${Q1} = 'yes' or ${Q3_advice} = 'good'"
    client.force_login(survey_admin)

    response = client.post(reverse("admin:surveys_section_change", args=[section.pk]), _section_post(section, rows))

    assert response.status_code == 302
    assert Item.objects.get(question__code="R1").condition == "${Q1} = 'yes' or ${Q3_advice} = 'good'"


def _set_settling(number: str, settles: bool) -> Municipality:
    unit = Municipality.objects.current().get(number=number)
    MunicipalityProfile.objects.update_or_create(municipality=unit, year=2025, defaults={"settles_refugees": settles})
    return unit


def test_visibility_follows_profile_and_answers(small_questionnaire):
    questionnaire = questionnaire_load(small_questionnaire.pk)
    settling = profile_values(municipality=_set_settling("4601", True), year=2025)
    not_settling = profile_values(municipality=_set_settling("5501", False), year=2025)

    def shown(profile, answers):
        visibility = questionnaire_visibility(questionnaire=questionnaire, profile=profile, answers=answers)
        return {item.question.code for items in visibility.items.values() for item in items}

    assert shown(settling, {}) == {"Q1", "Q2", "Q3", "Q4"}
    assert shown(not_settling, {}) == {"Q1", "Q2", "Q3"}
    assert shown(settling, {"Q1": "yes", "Q2": ["housing"], "Q3": {"advice": "not_relevant"}}) == {
        "Q1",
        "Q2",
        "Q3",
        "R1",
        "C1",
    }


def test_the_preview_shows_the_questionnaire_as_the_municipality_sees_it(client, survey_admin, small_questionnaire):
    settling, not_settling = _set_settling("4601", True), _set_settling("5501", False)
    client.force_login(survey_admin)
    url = reverse("questionnaire-preview", args=[small_questionnaire.pk])

    as_settling = client.get(url, {"municipality": settling.pk, "language": "nn"}).content.decode()
    as_other = client.get(url, {"municipality": not_settling.pk, "language": "nb"}).content.decode()

    assert 'id="item-Q4"' in as_settling and 'id="item-Q4"' not in as_other
    assert 'id="section-intro"' in as_settling and 'id="section-intro"' not in as_other
    assert 'name="Q3__advice"' in as_settling and 'name="Q2" value="housing"' in as_settling
    assert 'lang="nn"' in as_settling
    # the form's own words in the preview's language too, not the page's
    assert "Ikkje relevant" in as_settling and "Ikke relevant" not in as_settling


def test_the_admin_refuses_a_section_condition_on_its_own_or_later_questions(client, survey_admin, small_questionnaire):
    section = Section.objects.get(questionnaire=small_questionnaire, code="intro")
    rows = [
        {"id": i.pk, "position": i.position, "question": i.question_id, "condition": i.condition}
        for i in section.items.all()
    ]
    data = _section_post(section, rows)
    data["condition"] = "${settles_refugees} = true and ${Q4} = 'good'"
    client.force_login(survey_admin)

    response = client.post(reverse("admin:surveys_section_change", args=[section.pk]), data)

    assert response.status_code == 200 and "Q4" in response.content.decode()
    assert Section.objects.get(pk=section.pk).condition == "${settles_refugees} = true"


def test_the_live_check_answers_for_a_condition_at_its_place(client, survey_admin, small_questionnaire):
    section = Section.objects.get(questionnaire=small_questionnaire, code="chief")
    client.force_login(survey_admin)
    url = reverse("condition-check", args=[small_questionnaire.pk])

    good = client.get(url, {"section": section.pk, "position": 4, "text": "${Q1} = 'yes'"}).json()
    later = client.get(url, {"section": section.pk, "position": 2, "text": "${Q3_advice} = 'good'"}).json()
    broken = client.get(url, {"section": section.pk, "position": 4, "text": "${Q1} = "}).json()

    assert good == {"ok": True, "message": ""}
    assert later["ok"] is False and "Q3_advice" in later["message"]
    assert broken["ok"] is False and "8" in broken["message"]


def test_regional_officers_have_no_design_admin_but_preview_their_units(client, officer_nord, draft_round):
    client.force_login(officer_nord)
    question = Question.objects.get(code="Q1")

    for url in (
        reverse("admin:surveys_question_changelist"),
        reverse("admin:surveys_question_change", args=[question.pk]),
        reverse("admin:surveys_questionnaire_xlsform", args=[draft_round.questionnaire.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.get(reverse("questionnaire-preview", args=[draft_round.questionnaire.pk])).status_code == 200


@pytest.mark.parametrize("role", ["analyst"])
def test_analysts_see_the_design_admin_read_only(client, request, draft_round, role):
    # given
    client.force_login(request.getfixturevalue(role))
    questionnaire = draft_round.questionnaire
    question = Question.objects.get(code="Q1")
    scale = Scale.objects.get(code="quality4")
    empty = Questionnaire.objects.create(title="Tom", year=2031)
    content = questionnaire_export_xlsform(questionnaire=questionnaire)

    # then: lists and pages can be read, without a save button
    for model, obj in (("question", question), ("questionnaire", questionnaire), ("scale", scale)):
        assert client.get(reverse(f"admin:surveys_{model}_changelist")).status_code == 200
        page = client.get(reverse(f"admin:surveys_{model}_change", args=[obj.pk]))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert client.get(reverse(f"admin:surveys_{model}_add")).status_code == 403
        assert client.post(reverse(f"admin:surveys_{model}_add"), {"code": "X1", "name": "x"}).status_code == 403
        assert client.post(reverse(f"admin:surveys_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403

    # and nothing can be changed, imported or created for next year
    changed = client.post(
        reverse("admin:surveys_question_change", args=[question.pk]),
        {"code": "Q1", "series": "Q1", "classification": "recurring", "type": "yes_no", "text_nb": "Endret"},
    )
    renamed = client.post(reverse("admin:surveys_scale_change", args=[scale.pk]), {"code": "quality4", "name": "x"})
    import_url = reverse("admin:surveys_questionnaire_xlsform_import", args=[empty.pk])
    imported = client.post(import_url, {"file": SimpleUploadedFile("form.xlsx", content)})
    next_url = reverse("studio-round-next", args=[draft_round.pk])
    next_round = client.post(
        next_url, {"year": 2026, "title": "x", "opens_at": "2026-09-01T08:00", "closes_at": "2026-10-20T16:00"}
    )

    assert changed.status_code == renamed.status_code == imported.status_code == 403
    assert client.get(import_url).status_code == 403
    assert client.get(next_url).status_code == next_round.status_code == 403
    assert Question.objects.get(code="Q1").text_nb == "Spørsmål Q1" and Scale.objects.get(pk=scale.pk).name != "x"
    assert not empty.sections.exists() and not Survey.objects.filter(year=2026).exists()
    assert client.get(reverse("admin:surveys_questionnaire_xlsform", args=[questionnaire.pk])).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"section": "abc"},
        {"section": "9" * 30},
        {"section": "²"},
        {"section": ""},
        {"position": "²"},
        {"position": "9" * 5000},
        {"position": "-3"},
    ],
)
def test_the_live_check_answers_400_to_parameters_that_are_not_numbers(
    client, survey_admin, small_questionnaire, params
):
    section = Section.objects.get(questionnaire=small_questionnaire, code="chief")
    client.force_login(survey_admin)
    url = reverse("condition-check", args=[small_questionnaire.pk])

    reply = client.get(url, {"section": section.pk, "text": "${Q1} = 'yes'", **params})

    assert reply.status_code == 400 and reply.json()["ok"] is False and reply.json()["message"]
