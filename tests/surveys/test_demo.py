"""The demo questionnaire: valid, complete, and conditioned on settling exactly where it says so."""

import re

import pytest
from django.urls import reverse

from municipalities.models import Municipality, MunicipalityProfile
from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import Question
from surveys.services.questionnaires import questionnaire_load, questionnaire_problems, questionnaire_visibility


@pytest.fixture
def both_years(db):
    return demo_questionnaire_create(year=2025, earlier=True), demo_questionnaire_create(year=2026)


def test_both_years_are_valid_and_share_the_recurring_questions(both_years):
    earlier, current = both_years

    assert questionnaire_problems(earlier) == [] and questionnaire_problems(current) == []
    recurring = {i.question_id for i in earlier.items.filter(question__classification="recurring")}
    assert recurring == {i.question_id for i in current.items.filter(question__classification="recurring")}
    assert {i.question.code for i in earlier.items.exclude(question__classification="recurring")}.isdisjoint(
        {i.question.code for i in current.items.exclude(question__classification="recurring")}
    )


def test_every_question_type_and_language_is_there(both_years):
    _earlier, current = both_years
    questions = Question.objects.filter(items__questionnaire=current)

    assert set(questions.values_list("type", flat=True)) == set(Question.Type.values)
    assert questions.filter(type="multiple_choice", max_choices=3).exists()
    assert questions.filter(type="matrix", offers_not_relevant=True).count() == 2
    assert questions.filter(has_comment=True).exists()
    for question in questions:
        assert question.text_nb and question.text_nn and question.text_en
        for label in [*question.options.all(), *question.matrix_items.all()]:
            assert label.label_nb and label.label_nn and label.label_en
    assert set(current.sections.values_list("role", flat=True)) == {"chief_executive", "introduction_programme"}


def _shown(questionnaire, settles: bool) -> set[str]:
    visibility = questionnaire_visibility(
        questionnaire=questionnaire_load(questionnaire.pk),
        profile={
            "settles_refugees": settles,
            "kind": "municipality",
            "is_partner": False,
            "population": 5000,
            "centrality_class": 4,
            "immigrant_share": 10,
        },
        answers={},
    )
    return {item.question.code for items in visibility.items.values() for item in items}


def _on_settling(questionnaire) -> set[str]:
    """The items shown on a condition about settling (and on no answer)."""
    loaded = questionnaire_load(questionnaire.pk)
    on_settling = set()
    for section in loaded.sections.all():
        for item in section.items.all():
            if "${settles_refugees}" in section.condition + item.condition and "${I02}" not in item.condition:
                on_settling.add(item.question.code)
    return on_settling


def test_settlement_and_other_municipalities_differ_exactly_by_the_settlement_conditions(both_years):
    _earlier, current = both_years
    on_settling = _on_settling(current)

    settling, other = _shown(current, True), _shown(current, False)

    assert on_settling and settling - other == on_settling and other <= settling


def test_the_target_percentage_follows_the_target_answer(both_years):
    _earlier, current = both_years
    loaded = questionnaire_load(current.pk)
    profile = {"settles_refugees": True, "kind": "municipality"}

    def shown(answers):
        visibility = questionnaire_visibility(questionnaire=loaded, profile=profile, answers=answers)
        return {i.question.code for items in visibility.items.values() for i in items}

    assert "I03" not in shown({}) and "I03" in shown({"I02": "yes"}) and "I03" not in shown({"I02": "no"})


def test_the_preview_of_the_demo_differs_by_the_conditioned_items(client, survey_admin, both_years):
    _earlier, current = both_years
    units = []
    for number, settles in (("4601", True), ("5501", False)):
        unit = Municipality.objects.current().get(number=number)
        MunicipalityProfile.objects.update_or_create(
            municipality=unit, year=2026, defaults={"settles_refugees": settles}
        )
        units.append(unit)
    client.force_login(survey_admin)
    url = reverse("questionnaire-preview", args=[current.pk])

    pages = [client.get(url, {"municipality": unit.pk, "language": "nb"}).content.decode() for unit in units]

    settling, other = ({m for m in re.findall(r'id="item-([A-Za-z0-9_]+)"', page)} for page in pages)
    conditioned = _on_settling(current)
    assert conditioned and settling - other == conditioned
    assert other - settling == set()


def test_the_preview_by_role_shows_what_that_roles_link_opens(client, survey_admin, both_years):
    # given: a settlement municipality, so every section is visible
    _earlier, current = both_years
    unit = Municipality.objects.current().get(number="4601")
    MunicipalityProfile.objects.update_or_create(municipality=unit, year=2026, defaults={"settles_refugees": True})
    loaded = questionnaire_load(current.pk)
    by_role = {}
    for section in loaded.sections.all():
        by_role.setdefault(section.role, set()).update(item.question.code for item in section.items.all())
    client.force_login(survey_admin)
    url = reverse("questionnaire-preview", args=[current.pk])

    def shown(role):
        page = client.get(url, {"municipality": unit.pk, "role": role, "language": "nb"}).content.decode()
        return set(re.findall(r'id="item-([A-Za-z0-9_]+)"', page))

    # then: the chief executive and the district director see all, the others only their sections
    everything = _shown(current, True)
    assert shown("chief_executive") == shown("district_director") == everything
    assert shown("introduction_programme") == by_role["introduction_programme"] & everything
    assert shown("introduction_programme") and shown("introduction_programme") < everything
    assert shown("schools") == set()
