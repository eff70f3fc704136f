"""The respondent's autosave under Hypothesis: for every question type of the demo
questionnaire, whatever is posted (any text, repeated or unknown codes, numbers that are no
numbers, versions that are no versions), the answer is an error or a conflict that changes
nothing, or a save that reads back as the form field understood the post, never a server error."""

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from municipalities.models import Municipality
from surveys.answers import answer_field_names
from surveys.forms import comment_field_name
from surveys.models import Answer, Question, Response
from surveys.services.invitations import invitation_create
from surveys.services.questionnaires import NOT_RELEVANT
from tests.support import demo_round_open

EXAMPLES = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)
NASTY = st.sampled_from(
    ["", " ", "\x00", "NaN", "inf", "-0", "1e5", "5.0", "1_000", "٣", "²", "9" * 30, "9" * 5000, "12,5", "x" * 20001]
)
VERSIONS = st.one_of(st.just("current"), st.sampled_from(["current", "0", "1", "-1", "abc", "²", "9" * 30, "1.0", ""]))


def _codes(question: Question) -> list[str]:
    if question.type in (Question.Type.SINGLE_CHOICE, Question.Type.MULTIPLE_CHOICE):
        return [option.code for option in question.options.all()]
    if question.type == Question.Type.YES_NO:
        return ["yes", "no"]
    if question.type in (Question.Type.SCALE, Question.Type.MATRIX):
        return [point.code for point in question.scale.points.all()] + [NOT_RELEVANT]
    return ["1", "42", "0.5", "Bolig først"]


def _posted(question: Question):
    """A strategy for the form fields of one question: each absent, one value or several; all of
    them the question's own codes (repeated, for a multiple choice) or anything at all."""
    codes = st.sampled_from(_codes(question))
    value = st.one_of(codes, NASTY, TEXT)
    names = answer_field_names(question)
    fitting = st.one_of(st.none(), codes, st.lists(codes, max_size=6))
    anything = st.one_of(st.none(), value, st.lists(st.one_of(codes, value), max_size=6))
    return st.one_of(
        st.fixed_dictionaries(dict.fromkeys(names, fitting)), st.fixed_dictionaries(dict.fromkeys(names, anything))
    )


def _last(value) -> str:
    """What a one-value field reads from a post that repeats it (QueryDict.get: the last)."""
    if isinstance(value, list):
        return value[-1] if value else ""
    return value or ""


def _expected(question: Question, fields: dict):
    """The stored value a successful save must read back as."""
    if question.type == Question.Type.NOTE:
        return None
    if question.type == Question.Type.MATRIX:
        rows = {row.code: _last(fields.get(f"{question.code}__{row.code}")) for row in question.matrix_items.all()}
        return {code: value for code, value in rows.items() if value} or None
    posted = fields.get(question.code)
    if question.type == Question.Type.MULTIPLE_CHOICE:
        codes = posted if isinstance(posted, list) else ([] if posted is None else [posted])
        return list(dict.fromkeys(codes)) or None
    text = _last(posted).strip()
    if not text:
        return None
    if question.type == Question.Type.INTEGER:
        return int(Decimal(text))
    if question.type == Question.Type.DECIMAL:
        return float(Decimal(text))
    return text


def _snapshot(response: Response, question: Question):
    return Answer.objects.filter(response=response, question=question).values("value", "comment", "version").first()


@pytest.fixture
def respondent(db):
    survey = demo_round_open()
    bergen = Municipality.objects.current().get(number="4601")
    _invitation, token = invitation_create(
        survey=survey, municipality=bergen, role="chief_executive", name="Kari Leder", email="kari@bergen.example"
    )
    return survey, token


def test_any_autosave_is_refused_unchanged_or_saved_as_the_field_reads_it(client, respondent, rolled_back):
    survey, token = respondent
    items = [(section.code, item) for section in survey.questionnaire.sections.all() for item in section.items.all()]
    for code in {code for code, _item in items}:  # the response and the page's ticket, before any example
        assert client.get(reverse("respondent-section", args=[token, code])).status_code == 200
    response = Response.objects.get(survey=survey)
    assert {item.question.type for _code, item in items} == set(Question.Type.values)
    for code, item in items[::2]:  # half the questions answered already, so that saves also change answers
        first = {name: _codes(item.question)[0] for name in answer_field_names(item.question)}
        saved = client.post(
            reverse("respondent-autosave", args=[token, code]), {"question": item.question.code, "version": 0, **first}
        )
        assert saved.status_code == 200, saved.content

    @EXAMPLES
    @given(data=st.data())
    def check(data):
        section, item = data.draw(st.sampled_from(items))
        question = item.question
        fields = data.draw(_posted(question))
        version = data.draw(VERSIONS)
        with rolled_back():
            # given
            before = _snapshot(response, question)
            if version == "current":
                version = str(before["version"] if before else 0)
            post = {name: value for name, value in fields.items() if value is not None}

            # when
            reply = client.post(
                reverse("respondent-autosave", args=[token, section]),
                {"question": question.code, "version": version, **post},
            )

            # then
            assert reply.status_code in (200, 400, 404, 409, 422), reply.content
            event(f"{question.type}: {reply.status_code}")
            if reply.status_code != 200:
                assert _snapshot(response, question) == before
                return
            after = _snapshot(response, question) or {"value": None, "comment": "", "version": 0}  # nothing to keep
            assert after["value"] == _expected(question, fields)
            if question.has_comment:
                assert after["comment"] == _last(fields.get(comment_field_name(question))).strip()
            assert reply.json()["status"] == "saved" and reply.json()["version"] == after["version"]

    check()
