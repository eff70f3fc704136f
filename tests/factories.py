"""factory-boy factories for the question bank, questionnaires and rounds: a test names only the
fields it is about. `QuestionFactory(code="Q2", type="multiple_choice", options=["housing", "jobs"])`
makes the question and its options; `ItemFactory(section=chief, question=q2)` places it.

Links (invitations) have no factory: a link is only usable with the token that
`surveys.services.invitations.invitation_create` hands out once (tests/scenarios.py:
chief_link_create)."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from surveys.models import Item, MatrixItem, Question, Questionnaire, QuestionOption, Scale, ScalePoint, Section, Survey

# The four-point quality scale the test questionnaires use, lowest first: (code, Bokmål label).
QUALITY_POINTS = [
    ("very_poor", "Svært dårlig"),
    ("poor", "Dårlig"),
    ("good", "God"),
    ("very_good", "Svært god"),
]


class _Factory(DjangoModelFactory):
    class Meta:
        abstract = True
        # What the post-generation hooks add are rows of their own; the instance needs no second save.
        skip_postgeneration_save = True


def _points_create(scale: Scale, points) -> None:
    for value, (code, label) in enumerate(points or (), start=1):
        ScalePoint.objects.create(scale=scale, value=value, code=code, label_nb=label)


class ScaleFactory(_Factory):
    """A scale; `points=[(code, label), ...]` gives its points from the lowest (value 1) up."""

    class Meta:
        model = Scale

    code = factory.Sequence(lambda n: f"scale{n}")
    name = factory.LazyAttribute(lambda scale: scale.code)
    points = factory.PostGeneration(lambda scale, create, extracted, **kwargs: _points_create(scale, extracted))


class QualityScaleFactory(ScaleFactory):
    """quality4: very poor (1), poor, good, very good (4)."""

    code = "quality4"
    name = "Very poor – very good"
    points = factory.PostGeneration(
        lambda scale, create, extracted, **kwargs: _points_create(
            scale, QUALITY_POINTS if extracted is None else extracted
        )
    )


class QuestionFactory(_Factory):
    """A recurring question of the bank, its series its code; `options=[codes]` and `rows=[codes]`
    add its choices and matrix rows in that order, each labelled with its code in title case."""

    class Meta:
        model = Question

    code = factory.Sequence(lambda n: f"GEN{n}")
    series = factory.LazyAttribute(lambda question: question.code)
    classification = Question.Classification.RECURRING
    type = Question.Type.YES_NO
    text_nb = factory.LazyAttribute(lambda question: f"Spørsmål {question.code}")

    @factory.post_generation
    def options(question, create, extracted, **kwargs):
        for position, code in enumerate(extracted or ()):
            QuestionOption.objects.create(question=question, code=code, position=position, label_nb=code.title())

    @factory.post_generation
    def rows(question, create, extracted, **kwargs):
        for position, code in enumerate(extracted or ()):
            MatrixItem.objects.create(question=question, code=code, position=position, label_nb=code.title())


class QuestionnaireFactory(_Factory):
    class Meta:
        model = Questionnaire

    title = "Test"
    year = 2025


class SectionFactory(_Factory):
    """The chief executive's section of a new questionnaire unless told otherwise."""

    class Meta:
        model = Section

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    position = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"section{n}")
    role = Section.Role.CHIEF_EXECUTIVE
    title_nb = factory.LazyAttribute(lambda section: section.code.title())


class ItemFactory(_Factory):
    """A question placed in a section (of the section's questionnaire), shown always unless `condition`."""

    class Meta:
        model = Item

    section = factory.SubFactory(SectionFactory)
    questionnaire = factory.SelfAttribute("section.questionnaire")
    position = factory.Sequence(lambda n: n + 1)
    question = factory.SubFactory(QuestionFactory)
    condition = ""


class SurveyFactory(_Factory):
    """A round of its questionnaire's year, a draft (pass `status` for another), that opened a day
    ago and closes 40 days after it opened."""

    class Meta:
        model = Survey

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    year = factory.LazyAttribute(lambda survey: survey.questionnaire.year)
    title = factory.LazyAttribute(lambda survey: f"Runde {survey.year}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    closes_at = factory.LazyAttribute(lambda survey: survey.opens_at + datetime.timedelta(days=40))
