"""The design studio's pages. Each view checks access, validates a form, calls one service and
answers: the whole page, or for htmx the fragment it replaces."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from municipalities.access import municipalities_visible_to, staff_required
from operations.params import param_id
from reminders.services import schedule_create_default
from studio import services
from studio.access import studio_check_change, studio_may_change, studio_may_read
from studio.conditions import condition_extend, condition_vocabulary
from studio.forms import (
    BankSearchForm,
    ConditionForm,
    ItemAddForm,
    MoveForm,
    NextRoundForm,
    OpenRoundForm,
    OptionFormSet,
    QuestionForm,
    QuestionNewForm,
)
from studio.selectors import bank_search, questionnaire_overview, round_checklist
from studio.tryout import tryout_build
from surveys.models import Item, Question, Questionnaire, Section, Survey
from surveys.services.questionnaires import questionnaire_load, survey_clone_plan
from surveys.views import PreviewForm

LANGUAGES = [("nb", "Bokmål"), ("nn", "Nynorsk"), ("en", "English")]


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
def question_new(request, pk: int):
    """A new question made here and placed in a section; its editor follows for options and languages."""
    studio_check_change(request.user)
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    form = QuestionNewForm(request.POST or None, questionnaire=questionnaire)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in QuestionNewForm.Meta.fields}
        try:
            item = services.question_create_in(section=form.cleaned_data["section"], fields=fields)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    for message in errors:
                        form.add_error(name if name in form.fields else None, message)
            else:
                for message in error.messages:
                    form.add_error(None, message)
        else:
            messages.success(request, _("%(code)s made and added.") % {"code": item.question.code})
            editor = reverse("studio-question", args=[item.question_id])
            return redirect(f"{editor}?questionnaire={questionnaire.pk}")
    return render(request, "studio/question_new.html", {"questionnaire": questionnaire, "form": form})


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
    setup = PreviewForm(request.GET or None, units=units, roles=list(questionnaire.roles.all()))
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
            role_label=setup.roles[role].name() if role in setup.roles else role,
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


@studio_page
def item_condition(request, pk: int):
    """The condition of one question: typed, or built a clause at a time; checked as it is typed
    and again on saving. A POST with action "choose" or "add" only redraws the builder."""
    item = get_object_or_404(Item.objects.select_related("question", "section", "questionnaire"), pk=pk)
    variables = condition_vocabulary(item=item)
    editable = studio_may_change(request.user) and not item.questionnaire.is_frozen
    data = request.POST if request.method == "POST" else None
    if data is not None and not editable:
        raise PermissionDenied
    form = ConditionForm(data, variables=variables, initial={"condition": item.condition})
    action = request.POST.get("action", "save")
    if data is not None and form.is_valid():
        text = form.cleaned_data["condition"]
        if action == "add":
            try:
                text = condition_extend(text, form.clause(), form.cleaned_data["joiner"] or "and")
            except ValidationError as error:
                form.add_error(None, error)
            else:
                form = ConditionForm({**data.dict(), "condition": text, "value": ""}, variables=variables, initial={})
                form.is_valid()
        elif action == "save":
            try:
                services.item_condition_set(item=item, condition=text)
            except ValidationError as error:
                form.add_error("condition", error)
            else:
                messages.success(request, _("The condition of %(code)s is saved.") % {"code": item.question.code})
                return redirect(reverse("studio-questionnaire", args=[item.questionnaire_id]) + f"#item-{item.pk}")
    written, message = services.item_condition_message(item=item, text=form["condition"].value() or "")
    context = {"item": item, "form": form, "editable": editable, "written": written, "message": message}
    if request.htmx and action in ("add", "choose"):
        return render(request, "studio/_condition_editor.html", context)
    return render(request, "studio/item_condition.html", context)


@studio_page
@require_GET
def item_condition_check(request, pk: int):
    """The live check while a condition is typed: the message with its position, or that it holds."""
    item = get_object_or_404(Item.objects.select_related("question", "section", "questionnaire"), pk=pk)
    written, message = services.item_condition_message(item=item, text=request.GET.get("condition", "")[:2000])
    text = request.GET.get("condition", "")
    return render(
        request, "studio/_condition_check.html", {"message": message, "written": written, "typed": text.strip()}
    )


@studio_page
def question_edit(request, pk: int):
    """A bank question: texts and help in three languages side by side, options, limits."""
    question = get_object_or_404(Question.objects.prefetch_related("options"), pk=pk)
    editable = studio_may_change(request.user)
    data = request.POST if request.method == "POST" else None
    if data is not None and not editable:
        raise PermissionDenied
    form = QuestionForm(data, instance=question)
    options = OptionFormSet(
        data,
        prefix="options",
        initial=[
            {
                "code": o.code,
                "label_nb": o.label_nb,
                "label_nn": o.label_nn,
                "label_en": o.label_en,
                "is_exclusive": o.is_exclusive,
            }
            for o in question.options.all()
        ],
    )
    back = param_id(request.GET.get("questionnaire"))
    if data is not None and form.is_valid() and (question.is_frozen or options.is_valid()):
        kept = None
        if not question.is_frozen:
            kept = [f.cleaned_data for f in options.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            kept = [{k: v for k, v in option.items() if k != "DELETE"} for option in kept]
        try:
            saved = services.question_edit(
                question=Question.objects.get(pk=question.pk),
                changes={name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data},
                options=kept,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            if saved.pk != question.pk:
                messages.warning(
                    request,
                    _("%(old)s was asked in an opened round, so the changes are a new question %(new)s in its series.")
                    % {"old": question.code, "new": saved.code},
                )
            else:
                messages.success(request, _("%(code)s is saved.") % {"code": saved.code})
            if back:
                return redirect("studio-questionnaire", back)
            return redirect("studio-question", saved.pk)
    context = {
        "question": question,
        "form": form,
        "options": options,
        "editable": editable,
        "back": back,
        "text_fields": [(f"text_{lang}", f"help_{lang}", label) for lang, label in LANGUAGES],
    }
    return render(request, "studio/question.html", context)
