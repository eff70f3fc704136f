"""The design studio's pages. Each view checks access, validates a form, calls one service and
answers: the whole page, or for htmx the fragment it replaces."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from municipalities.access import municipalities_visible_to, staff_required
from reminders.services import schedule_create_default
from studio import services
from studio.access import studio_check_change, studio_may_change, studio_may_read
from studio.forms import BankSearchForm, ItemAddForm, MoveForm, NextRoundForm, OpenRoundForm
from studio.selectors import bank_search, questionnaire_overview, round_checklist
from studio.tryout import tryout_build
from surveys.models import Item, Questionnaire, Section, Survey
from surveys.services.questionnaires import questionnaire_load, survey_clone_plan
from surveys.views import PreviewForm


def studio_page(view):
    """Staff pages of the studio: survey admins and analysts only."""

    @staff_required
    def wrapped(request, *args, **kwargs):
        if not studio_may_read(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@studio_page
def studio_home(request):
    rounds = Survey.objects.select_related("questionnaire").order_by("-year")
    drafts = Questionnaire.objects.filter(survey__isnull=True).order_by("-year", "title")
    return render(
        request,
        "studio/home.html",
        {"rounds": rounds, "drafts": drafts, "may_change": studio_may_change(request.user)},
    )


def _questionnaire_context(request, questionnaire_id: int, errors=()) -> dict:
    overview = questionnaire_overview(questionnaire_id=questionnaire_id)
    return {
        "overview": overview,
        "questionnaire": overview.questionnaire,
        "editable": studio_may_change(request.user) and not overview.questionnaire.is_frozen,
        "errors": list(errors),
    }


@studio_page
def questionnaire_page(request, pk: int):
    """Sections and items in order, each with code, type, classification, role and condition."""
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    context = _questionnaire_context(request, questionnaire.pk)
    context["search"] = BankSearchForm()
    return render(request, "studio/questionnaire.html", context)


def _answer_change(request, questionnaire: Questionnaire, errors=()):
    """After a change: the list fragment for htmx, else the page again (errors as messages)."""
    if request.htmx:
        return render(
            request, "studio/_questionnaire_body.html", _questionnaire_context(request, questionnaire.pk, errors)
        )
    for error in errors:
        messages.error(request, error)
    return redirect("studio-questionnaire", questionnaire.pk)


@studio_page
@require_POST
def questionnaire_move(request, pk: int):
    """A section or item moved by drag and drop or by its up and down buttons."""
    studio_check_change(request.user)
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    form = MoveForm(request.POST, questionnaire=questionnaire)
    if not form.is_valid():
        return _answer_change(request, questionnaire, [e for errors in form.errors.values() for e in errors])
    data = form.cleaned_data
    try:
        if data["kind"] == "section":
            services.section_place(section=data["moved"], index=data["index"])
        else:
            services.item_place(item=data["moved"], section=data["target"], index=data["index"])
    except ValidationError as error:
        return _answer_change(request, questionnaire, error.messages)
    return _answer_change(request, questionnaire)


@studio_page
def bank(request, pk: int):
    """Bank questions to add, found by code, text, theme or series."""
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    search = BankSearchForm(request.GET)
    hits = []
    if search.is_valid():
        hits = bank_search(
            questionnaire=questionnaire,
            text=search.cleaned_data["q"],
            classification=search.cleaned_data["classification"],
        )
    context = {
        "questionnaire": questionnaire,
        "hits": hits,
        "sections": questionnaire.sections.order_by("position"),
        "editable": studio_may_change(request.user) and not questionnaire.is_frozen,
        "search": search,
    }
    template = "studio/_bank_results.html" if request.htmx else "studio/bank.html"
    return render(request, template, context)


@studio_page
@require_POST
def item_add(request, pk: int):
    studio_check_change(request.user)
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    form = ItemAddForm(request.POST, questionnaire=questionnaire)
    if not form.is_valid():
        return _answer_change(request, questionnaire, [e for errors in form.errors.values() for e in errors])
    try:
        item = services.item_add(section=form.cleaned_data["section"], question=form.cleaned_data["question"])
    except ValidationError as error:
        return _answer_change(request, questionnaire, error.messages)
    if not request.htmx:
        messages.success(request, _("%(code)s added.") % {"code": item.question.code})
    return _answer_change(request, questionnaire)


@studio_page
@require_POST
def item_remove(request, pk: int):
    studio_check_change(request.user)
    item = get_object_or_404(Item.objects.select_related("question", "questionnaire"), pk=pk)
    try:
        services.item_remove(item=item)
    except ValidationError as error:
        return _answer_change(request, item.questionnaire, error.messages)
    if not request.htmx:
        messages.success(request, _("%(code)s removed.") % {"code": item.question.code})
    return _answer_change(request, item.questionnaire)


@studio_page
def round_next(request, pk: int):
    """Next year's draft round from this one: recurring questions kept, rotating ones ticked."""
    studio_check_change(request.user)
    source = get_object_or_404(Survey, pk=pk, questionnaire__isnull=False)
    plan = survey_clone_plan(source=source)
    form = NextRoundForm(request.POST or None, source=source, optional_items=plan.optional)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.survey_make_next(
                source=source,
                year=data["year"],
                title=data["title"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                keep_question_ids={int(value) for value in data["keep"]},
                copy_schedule=data.get("copy_schedule", False),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Created the draft round %(survey)s.") % {"survey": survey})
            return redirect("studio-questionnaire", survey.questionnaire_id)
    return render(request, "studio/round_next.html", {"source": source, "plan": plan, "form": form})


@studio_page
def round_open(request, pk: int):
    """The checklist, then the confirmation: only then the round opens."""
    survey = get_object_or_404(Survey.objects.select_related("questionnaire"), pk=pk)
    form = OpenRoundForm(request.POST or None)
    if request.method == "POST":
        studio_check_change(request.user)
        if form.is_valid():
            try:
                services.survey_open_checked(survey=survey, warnings_accepted=form.cleaned_data["warnings_read"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("%(survey)s is open.") % {"survey": survey})
                return redirect("studio-home")
    context = {
        "survey": survey,
        "checklist": round_checklist(survey=survey),
        "form": form,
        "may_change": studio_may_change(request.user),
        "registry_url": reverse("municipality-list"),
    }
    return render(request, "studio/round_open.html", context)


@studio_page
@require_POST
def round_schedule_add(request, pk: int):
    """One click: the standard reminder schedule for a round that has none."""
    studio_check_change(request.user)
    survey = get_object_or_404(Survey, pk=pk)
    schedule_create_default(survey=survey)
    messages.success(request, _("The standard reminder schedule was added."))
    return redirect("studio-round-open", survey.pk)


@studio_page
def questionnaire_tryout(request, pk: int):
    """The test run: answer as a chosen unit, role and language and watch the conditions; nothing
    is saved (the answers live in the page and are posted back only to be shown again)."""
    questionnaire = questionnaire_load(get_object_or_404(Questionnaire, pk=pk).pk)
    units = municipalities_visible_to(request.user).current().order_by("number")
    setup = PreviewForm(request.GET or None, units=units)
    context = {
        "questionnaire": questionnaire,
        "setup": setup,
        "survey": Survey.objects.filter(questionnaire=questionnaire).first(),
    }
    if setup.is_valid():
        unit = setup.units[setup.cleaned_data["municipality"]]
        role = setup.cleaned_data["role"] or Section.Role.CHIEF_EXECUTIVE
        language = setup.cleaned_data["language"]
        context.update(
            unit=unit,
            role_label=Section.Role(role).label,
            language=language,
            run=tryout_build(
                questionnaire=questionnaire,
                unit=unit,
                role=role,
                language=language,
                data=request.POST if request.method == "POST" else None,
            ),
        )
    return render(request, "studio/tryout.html", context)
