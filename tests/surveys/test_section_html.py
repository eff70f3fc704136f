"""The fast path's compiled section form (surveys.fastpath.forms), filled in, is exactly what its
plain twin, crispy-forms, renders for the same answers; and what is kept is keyed so that it cannot
be read for another questionnaire, freeze, section or language."""

import random

import pytest
from django.core.cache import cache
from django.utils import translation

from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.fastpath.forms import section_form_compile, section_form_fill
from surveys.forms import SectionForm, comment_field_name, matrix_field_name, section_form_render
from surveys.models import Question, Survey
from surveys.numbers import number_display
from surveys.respondent.plan import form_cache_key, plan_get, section_items_get
from surveys.services.questionnaires import NOT_RELEVANT
from surveys.services.rounds import survey_open
from tests.factories import QuestionFactory

ODD_TEXTS = ['<script>alert("x")</script>', "Bolig & arbeid", "  ", " spaces around ", "</textarea><b>", "0", "æøå"]


def random_initial(items, rnd: random.Random) -> tuple[dict, set[str]]:
    """Form initial data for random answers to the items, and a random set of hidden items."""
    initial, hidden = {}, set()
    for item in items:
        question = item.question
        if rnd.random() < 0.3:
            hidden.add(question.code)
        if question.has_comment and rnd.random() < 0.5:
            initial[comment_field_name(question)] = rnd.choice(ODD_TEXTS)
        if rnd.random() < 0.3:
            continue
        kind = question.type
        if kind == Question.Type.MATRIX:
            points = [point.code for point in question.scale.points.all()] + [NOT_RELEVANT]
            for row in question.matrix_items.all():
                if rnd.random() < 0.6:
                    initial[matrix_field_name(question, row.code)] = rnd.choice(points)
        elif kind in (Question.Type.SINGLE_CHOICE, Question.Type.MULTIPLE_CHOICE):
            codes = [option.code for option in question.options.all()]
            chosen = rnd.sample(codes, rnd.randint(1, min(3, len(codes))))
            initial[question.code] = chosen if kind == Question.Type.MULTIPLE_CHOICE else chosen[0]
        elif kind == Question.Type.SCALE:
            initial[question.code] = rnd.choice([point.code for point in question.scale.points.all()])
        elif kind == Question.Type.YES_NO:
            initial[question.code] = rnd.choice(["yes", "no"])
        elif kind == Question.Type.INTEGER:
            initial[question.code] = number_display(rnd.choice([0, 7, 4999]), grouped=False)
        elif kind == Question.Type.DECIMAL:
            # as surveys.answers.initial_from_answer gives a stored number: in Norwegian
            initial[question.code] = number_display(rnd.choice([0.0, 55.5, 100.0, 1234.25]), grouped=False)
        elif kind in (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT):
            initial[question.code] = rnd.choice(ODD_TEXTS)
    return initial, hidden


@pytest.fixture
def demo_round(db):
    questionnaire = demo_questionnaire_create(year=2031)
    # one more question of every kind the demo lacks, with a comment box
    section = questionnaire.sections.get(code="directorate")
    extra = QuestionFactory(code="X_TEXT", type="short_text", has_comment=True)
    section.items.create(questionnaire=questionnaire, position=99, question=extra)
    survey = Survey.objects.create(
        year=2031,
        title="Runde 2031",
        questionnaire=questionnaire,
        opens_at="2031-01-01T00:00Z",
        closes_at="2031-03-01T00:00Z",
    )
    survey_open(survey=survey)
    return Survey.objects.select_related("questionnaire").get(pk=survey.pk)


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_filled_in_form_is_what_crispy_forms_renders(demo_round, language):
    questionnaire = demo_round.questionnaire
    plan = plan_get(questionnaire)
    rnd = random.Random(language)
    with translation.override(language):
        for section in plan.sections:
            items = section_items_get(questionnaire, section)
            # nothing answered yet (a link's first visit), with and without hidden items; then answers
            cases = [({}, set()), ({}, random_initial(items, rnd)[1])]
            cases += [random_initial(items, rnd) for _attempt in range(15)]
            compiled = section_form_compile(items, language, plan.numbers)
            for initial, hidden in cases:
                form = SectionForm(
                    items=items,
                    language=language,
                    initial=initial,
                    hidden_codes=frozenset(hidden),
                    numbers=plan.numbers,
                )
                plain = section_form_render(form)
                fast = section_form_fill(compiled, initial=initial, hidden=hidden)
                assert fast == plain, (section.section.code, initial, hidden)


def test_the_cache_keys_name_the_questionnaire_its_freeze_the_section_and_the_language(demo_round):
    questionnaire = demo_round.questionnaire
    key = form_cache_key(questionnaire, "settlement", "nn")

    assert str(questionnaire.pk) in key and "settlement" in key and key.endswith(":nn")
    assert f"{questionnaire.frozen_at.timestamp():.6f}" in key
    assert form_cache_key(questionnaire, "settlement", "nb") != key
    questionnaire.frozen_at = None
    assert form_cache_key(questionnaire, "settlement", "nn") is None  # a draft is never cached


@pytest.mark.fastpath
def test_a_compiled_form_is_kept_and_served_from_the_cache(demo_round, client):
    # given: a link to the round, whose section page the fast path draws from the compiled form
    from municipalities.models import Municipality
    from surveys.services.invitations import invitation_create

    bergen = Municipality.objects.current().get(number="4601")
    _invitation, token = invitation_create(
        survey=demo_round, municipality=bergen, role="chief_executive", name="Kari", email="k@b.no"
    )
    key = form_cache_key(demo_round.questionnaire, "settlement", "nb")
    url = f"/r/{token}/s/settlement/"

    # when: the page is drawn twice
    first, second = client.get(url), client.get(url)

    # then: the compiled form was kept under its key and both pages show the same form
    assert first.status_code == second.status_code == 200 and cache.get(key) is not None
    assert 'id="section-form"' in second.content.decode()
