"""Round status changes and the freeze: once a round opens, no path changes its questionnaire."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from surveys.models import (
    FrozenError,
    Item,
    MatrixItem,
    Question,
    Questionnaire,
    QuestionnaireLockedError,
    QuestionOption,
    Scale,
    ScalePoint,
    Section,
    Survey,
)
from surveys.services.rounds import survey_archive, survey_close, survey_open


def test_a_round_cannot_open_without_a_questionnaire(db):
    now = timezone.now()
    survey = Survey.objects.create(year=2030, title="x", opens_at=now, closes_at=now + datetime.timedelta(days=1))

    with pytest.raises(ValidationError, match="no questionnaire"):
        survey_open(survey=survey)


def test_a_round_cannot_open_without_sections(draft_round):
    Section.objects.filter(questionnaire=draft_round.questionnaire).delete()

    with pytest.raises(ValidationError, match="no sections"):
        survey_open(survey=draft_round)
    draft_round.refresh_from_db()
    assert draft_round.status == Survey.Status.DRAFT


def test_a_round_with_a_broken_condition_does_not_open_and_the_error_points_at_it(draft_round):
    Item.objects.filter(question__code="R1").update(condition="${Q1} = 'yes' and ${Q9} = 1")

    with pytest.raises(ValidationError) as error:
        survey_open(survey=draft_round)

    assert "R1: " in error.value.messages[0] and "Q9" in error.value.messages[0] and "18" in error.value.messages[0]
    assert not Question.objects.filter(frozen_at__isnull=False).exists()


def test_opening_freezes_the_questionnaire_and_its_questions(draft_round):
    survey_open(survey=draft_round)

    draft_round.refresh_from_db()
    assert draft_round.status == Survey.Status.OPEN
    assert draft_round.questionnaire.is_frozen
    assert Question.objects.filter(frozen_at__isnull=True).count() == 0
    assert Scale.objects.get(code="quality4").frozen_at == draft_round.questionnaire.frozen_at


def test_opening_leaves_scales_that_the_round_does_not_use_unfrozen(draft_round):
    unused = Scale.objects.create(code="unused4", name="Ubrukt")

    survey_open(survey=draft_round)

    unused.refresh_from_db()
    assert not unused.is_frozen
    unused.name = "Fortsatt fri"
    unused.save()


def test_the_status_moves_only_forward_and_an_archived_round_never_reopens(draft_round):
    with pytest.raises(ValidationError, match="cannot become"):
        survey_close(survey=draft_round)
    survey_open(survey=draft_round)
    survey_close(survey=draft_round)
    survey_open(survey=draft_round)  # a closed round may reopen
    survey_close(survey=draft_round)
    survey_archive(survey=draft_round)

    with pytest.raises(ValidationError, match="cannot become"):
        survey_open(survey=draft_round)
    assert Survey.objects.get(pk=draft_round.pk).status == Survey.Status.ARCHIVED


@pytest.fixture
def frozen(draft_round):
    survey_open(survey=draft_round)
    return draft_round.questionnaire


def _attempts(questionnaire):
    q1 = Question.objects.get(code="Q1")
    q2 = Question.objects.get(code="Q2")
    q3 = Question.objects.get(code="Q3")
    section = questionnaire.sections.first()
    item = Item.objects.filter(questionnaire=questionnaire).first()
    scale = Scale.objects.get(code="quality4")
    point = scale.points.get(code="good")
    free_scale = Scale.objects.create(code="free4", name="Fri")
    free_question = Question.objects.create(code="FREE", series="FREE", classification="recurring", type="yes_no")
    free_questionnaire = Questionnaire.objects.create(title="Fri", year=2099)

    def edit(obj, **fields):
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.save()

    def move_point_in():
        ScalePoint.objects.create(scale=free_scale, value=1, code="a", label_nb="A")
        ScalePoint.objects.filter(scale=free_scale).update(scale=scale)

    return {
        "question text": lambda: edit(q1, text_nb="Ny ordlyd"),
        "question delete": lambda: q1.delete(),
        "question bulk update": lambda: Question.objects.filter(code="Q1").update(text_nb="x"),
        "question bulk delete": lambda: Question.objects.filter(code="R1").delete(),
        "option add": lambda: QuestionOption.objects.create(question=q2, code="new", label_nb="Ny"),
        "option edit": lambda: edit(q2.options.first(), label_nb="x"),
        "option delete": lambda: q2.options.first().delete(),
        "option bulk update": lambda: QuestionOption.objects.filter(question=q2).update(label_nb="x"),
        "matrix item add": lambda: MatrixItem.objects.create(question=q3, code="new", label_nb="Ny"),
        "matrix item bulk delete": lambda: MatrixItem.objects.filter(question=q3).delete(),
        "questionnaire rename": lambda: edit(questionnaire, title="x"),
        "section edit": lambda: edit(section, title_nb="x"),
        "section add": lambda: Section.objects.create(
            questionnaire=questionnaire, position=9, code="s9", role="schools", title_nb="x"
        ),
        "section bulk update": lambda: Section.objects.filter(questionnaire=questionnaire).update(condition=""),
        "item edit": lambda: edit(item, condition=""),
        "item delete": lambda: item.delete(),
        "option moved out": lambda: edit(q2.options.first(), question=free_question),
        "option bulk moved out": lambda: QuestionOption.objects.filter(question=q2).update(question=free_question),
        "option bulk create": lambda: QuestionOption.objects.bulk_create(
            [QuestionOption(question=q2, code="bulk", label_nb="x")]
        ),
        "section moved out": lambda: edit(section, questionnaire=free_questionnaire),
        "scale rename": lambda: edit(scale, name="x"),
        "scale delete": lambda: scale.delete(),
        "scale bulk update": lambda: Scale.objects.filter(code="quality4").update(name="x"),
        "scale bulk delete": lambda: Scale.objects.filter(code="quality4").delete(),
        "scale point add": lambda: ScalePoint.objects.create(scale=scale, value=5, code="excellent", label_nb="x"),
        "scale point edit": lambda: edit(point, label_nb="x"),
        "scale point delete": lambda: point.delete(),
        "scale point moved out": lambda: edit(point, scale=free_scale),
        "scale point moved in": move_point_in,
        "scale point bulk update": lambda: ScalePoint.objects.filter(scale=scale).update(label_nb="x"),
        "scale point bulk delete": lambda: ScalePoint.objects.filter(scale=scale).delete(),
        "scale point bulk create": lambda: ScalePoint.objects.bulk_create(
            [ScalePoint(scale=scale, value=9, code="bulk", label_nb="x")]
        ),
        "item add": lambda: Item.objects.create(
            questionnaire=questionnaire,
            section=section,
            position=99,
            question=Question.objects.create(
                code="NEW", series="NEW", classification="recurring", type="note", text_nb="x"
            ),
        ),
    }


@pytest.mark.parametrize(
    "attempt",
    [
        "question text",
        "question delete",
        "question bulk update",
        "question bulk delete",
        "option add",
        "option edit",
        "option delete",
        "option bulk update",
        "matrix item add",
        "matrix item bulk delete",
        "questionnaire rename",
        "section edit",
        "section add",
        "section bulk update",
        "item edit",
        "item delete",
        "item add",
        "option moved out",
        "option bulk moved out",
        "option bulk create",
        "section moved out",
        "scale rename",
        "scale delete",
        "scale bulk update",
        "scale bulk delete",
        "scale point add",
        "scale point edit",
        "scale point delete",
        "scale point moved out",
        "scale point moved in",
        "scale point bulk update",
        "scale point bulk delete",
        "scale point bulk create",
    ],
)
def test_every_model_path_that_would_change_frozen_content_fails(frozen, attempt):
    with pytest.raises(FrozenError) as error, transaction.atomic():
        _attempts(frozen)[attempt]()

    assert "frozen" in str(error.value.messages[0])
    assert Question.objects.get(code="Q1").text_nb == "Spørsmål Q1"
    scale = Scale.objects.get(code="quality4")
    assert (scale.name, list(scale.points.values_list("code", "label_nb"))) == (
        "Very poor – very good",
        [("very_poor", "Svært dårlig"), ("poor", "Dårlig"), ("good", "God"), ("very_good", "Svært god")],
    )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE surveys_question SET text_nb = 'x' WHERE code = 'Q1'",
        "DELETE FROM surveys_questionoption WHERE code = 'housing'",
        "UPDATE surveys_item SET condition = ''",
        "UPDATE surveys_section SET title_nb = 'x'",
        "UPDATE surveys_questionnaire SET title = 'x'",
        "UPDATE surveys_scale SET name = 'x' WHERE code = 'quality4'",
        "DELETE FROM surveys_scale WHERE code = 'quality4'",
        "UPDATE surveys_scalepoint SET label_nb = 'x' WHERE code = 'good'",
        "DELETE FROM surveys_scalepoint WHERE code = 'good'",
        "INSERT INTO surveys_scalepoint (scale_id, value, code, label_nb, label_nn, label_en, created_at, updated_at) "
        "SELECT id, 5, 'excellent', 'x', '', '', now(), now() FROM surveys_scale WHERE code = 'quality4'",
        "UPDATE surveys_scalepoint SET scale_id = (SELECT id FROM surveys_scale WHERE code = 'free4')",
        "UPDATE surveys_questionoption SET question_id = (SELECT id FROM surveys_question WHERE code = 'FREE')",
        "UPDATE surveys_section SET questionnaire_id = (SELECT id FROM surveys_questionnaire WHERE year = 2099)",
    ],
)
def test_the_database_refuses_raw_sql_on_frozen_content(frozen, sql):
    Scale.objects.create(code="free4", name="Fri")
    Question.objects.create(code="FREE", series="FREE", classification="recurring", type="yes_no")
    Questionnaire.objects.create(title="Fri", year=2099)

    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.parametrize("status", ["open", "closed", "archived"])
def test_the_questionnaire_of_an_opened_round_cannot_be_swapped(draft_round, status):
    # given: a round that has left the draft status, and another questionnaire
    survey_open(survey=draft_round)
    if status != "open":
        survey_close(survey=draft_round)
    if status == "archived":
        survey_archive(survey=draft_round)
    other = Questionnaire.objects.create(title="Annen", year=2025)
    survey = Survey.objects.get(pk=draft_round.pk)
    original = survey.questionnaire_id

    # when / then: the model, a bulk update and raw SQL all refuse
    survey.questionnaire = other
    with pytest.raises(QuestionnaireLockedError, match="cannot be swapped"):
        survey.save()
    survey.questionnaire = None
    with pytest.raises(QuestionnaireLockedError):
        survey.save()
    with pytest.raises(QuestionnaireLockedError):
        Survey.objects.filter(pk=survey.pk).update(questionnaire=other)
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE surveys_survey SET questionnaire_id = %s WHERE id = %s", [other.pk, survey.pk])
    assert Survey.objects.get(pk=survey.pk).questionnaire_id == original


def test_a_draft_round_may_swap_its_questionnaire_and_an_opened_one_may_change_other_fields(draft_round):
    other = Questionnaire.objects.create(title="Annen", year=2025)
    first = draft_round.questionnaire
    draft_round.questionnaire = other
    draft_round.save()
    draft_round.questionnaire = first
    draft_round.save()
    survey_open(survey=draft_round)

    survey = Survey.objects.get(pk=draft_round.pk)
    survey.title = "Ny tittel"
    survey.save()
    Survey.objects.filter(pk=survey.pk).update(invitation_grace_days=3)

    assert Survey.objects.get(pk=survey.pk).title == "Ny tittel"


def test_unfrozen_content_still_changes_freely(small_questionnaire):
    question = Question.objects.get(code="Q1")
    question.text_nb = "Ny ordlyd"
    question.save()

    assert Question.objects.get(code="Q1").text_nb == "Ny ordlyd"


def test_the_admin_shows_frozen_questions_read_only_and_saves_new_wording_as_a_new_version(
    client, survey_admin, frozen
):
    # given: next year's draft that still uses Q1, with a condition on it
    next_questionnaire = Questionnaire.objects.create(title="Neste", year=2026)
    section = Section.objects.create(
        questionnaire=next_questionnaire, position=1, code="chief", role="chief_executive", title_nb="Leder"
    )
    q1 = Question.objects.get(code="Q1")
    Item.objects.create(questionnaire=next_questionnaire, section=section, position=1, question=q1)
    Item.objects.create(
        questionnaire=next_questionnaire,
        section=section,
        position=2,
        question=Question.objects.get(code="R1"),
        condition="${Q1} = 'yes'",
    )
    client.force_login(survey_admin)
    url = reverse("admin:surveys_question_change", args=[q1.pk])
    page = client.get(url)
    assert page.status_code == 200

    # when: the designer changes the wording and tries to change the type
    data = {
        "text_nb": "Har kommunen vedtatt å bosette flyktninger?",
        "text_nn": "",
        "text_en": "",
        "help_nb": "",
        "help_nn": "",
        "help_en": "",
        "theme": "",
        "has_comment": "",
        "type": "short_text",
        "options-TOTAL_FORMS": "0",
        "options-INITIAL_FORMS": "0",
        "matrix_items-TOTAL_FORMS": "0",
        "matrix_items-INITIAL_FORMS": "0",
    }
    response = client.post(url, data, follow=True)

    # then: the old question is untouched; a new version in the same series replaces it in the draft
    q1.refresh_from_db()
    assert (q1.text_nb, q1.type) == ("Spørsmål Q1", "yes_no")
    new = Question.objects.get(previous_version=q1)
    assert (new.series, new.type, new.text_nb) == ("Q1", "yes_no", "Har kommunen vedtatt å bosette flyktninger?")
    assert "same series" in response.content.decode() or "samme serie" in response.content.decode()
    assert set(next_questionnaire.items.values_list("question__code", flat=True)) == {new.code, "R1"}
    assert next_questionnaire.items.get(question__code="R1").condition == "${" + new.code + "} = 'yes'"
    assert frozen.items.filter(question=q1).exists()


def test_the_admin_shows_a_frozen_scale_read_only(client, survey_admin, frozen):
    scale = Scale.objects.get(code="quality4")
    point = scale.points.get(code="good")
    client.force_login(survey_admin)
    url = reverse("admin:surveys_scale_change", args=[scale.pk])

    page = client.get(url)
    posted = client.post(
        url,
        {
            "code": "quality4",
            "name": "x",
            "points-TOTAL_FORMS": "1",
            "points-INITIAL_FORMS": "1",
            "points-0-id": point.pk,
            "points-0-scale": scale.pk,
            "points-0-value": 3,
            "points-0-code": "good",
            "points-0-label_nb": "x",
        },
    )
    deleted = client.post(reverse("admin:surveys_scale_delete", args=[scale.pk]), {"post": "yes"})

    content = page.content.decode()
    assert page.status_code == 200 and 'name="_save"' not in content and 'name="points-0-label_nb"' not in content
    assert "er låst fordi en undersøkelsesrunde som bruker det, er åpnet" in content
    assert posted.status_code == 403 and deleted.status_code == 403
    scale.refresh_from_db()
    assert scale.name == "Very poor – very good" and scale.points.get(code="good").label_nb == "God"


def test_the_admin_still_edits_a_scale_that_no_opened_round_uses(client, survey_admin, quality_scale):
    client.force_login(survey_admin)
    url = reverse("admin:surveys_scale_change", args=[quality_scale.pk])

    page = client.get(url)
    posted = client.post(
        url,
        {"code": "quality4", "name": "Ny", "points-TOTAL_FORMS": "0", "points-INITIAL_FORMS": "0"},
    )

    assert 'name="_save"' in page.content.decode() and posted.status_code == 302
    assert Scale.objects.get(pk=quality_scale.pk).name == "Ny"


def test_the_admin_shows_a_frozen_questionnaire_and_its_sections_view_only(client, survey_admin, frozen):
    section = frozen.sections.get(code="chief")
    client.force_login(survey_admin)
    questionnaire_url = reverse("admin:surveys_questionnaire_change", args=[frozen.pk])
    section_url = reverse("admin:surveys_section_change", args=[section.pk])

    pages = [client.get(questionnaire_url), client.get(section_url)]
    posts = [
        client.post(questionnaire_url, {"title": "x", "year": 2025}),
        client.post(section_url, {"title_nb": "x", "position": 1, "code": "chief", "role": "chief_executive"}),
    ]

    assert [page.status_code for page in pages] == [200, 200]
    assert not any('name="_save"' in page.content.decode() for page in pages)
    assert reverse("questionnaire-preview", args=[frozen.pk]) in pages[0].content.decode()
    assert [post.status_code for post in posts] == [403, 403]
    assert (
        Questionnaire.objects.get(pk=frozen.pk).title == "Test"
        and Section.objects.get(pk=section.pk).title_nb == "Leder"
    )
