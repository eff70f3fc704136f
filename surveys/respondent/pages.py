"""The section page: a section's questions with the unit's answers, as HTML.

The plain way draws the form with crispy-forms and the page with its template. On the fast path
the form is the section's compiled form (surveys.fastpath.forms), kept once per frozen
questionnaire, section and language and filled with the answers, and the page is its template's
frame filled in (surveys.fastpath.frames); tests hold each to its plain twin.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from operations.params import param_int
from surveys import fastpath
from surveys.answers import initial_from_answer
from surveys.fastpath.forms import section_form_compile, section_form_fill
from surveys.fastpath.frames import render_framed
from surveys.forms import SectionForm, section_form_render
from surveys.models import Section
from surveys.respondent.links import Visit, progress_text
from surveys.respondent.plan import form_cache_key, frozen_get, frozen_set_many


def section_form_html(visit: Visit, section: Section, *, form: SectionForm | None = None) -> SafeString:
    """The section's form: `form` as posted (with its errors), else showing the stored answers."""
    if form is not None:
        return section_form_render(form)
    language = get_language()
    initial = {}
    for item in visit.section_plan(section).items:
        initial.update(initial_from_answer(item, visit.answers.get(item.question_id)))
    hidden = visit.hidden_codes(section)
    key = form_cache_key(visit.invitation.survey.questionnaire, section.code, language) if fastpath.enabled() else None
    if key is None:
        items = visit.section_items(section)
        return section_form_render(
            SectionForm(
                items=items,
                language=language,
                hidden_codes=frozenset(hidden),
                initial=initial,
                numbers=visit.plan.numbers,
            )
        )
    segments = frozen_get(key)
    if segments is None:
        segments = section_form_compile(visit.section_items(section), language, visit.plan.numbers)
        frozen_set_many({key: segments})
    return section_form_fill(segments, initial=initial, hidden=hidden)


def versions_html(visit: Visit, section: Section, posted=None) -> SafeString:
    """The version of each answer the page shows, so a save can tell whether someone changed it
    since. A page shown again with the user's own input keeps the versions that input was made from."""
    inputs = []
    for item in visit.section_plan(section).items:
        answer = visit.answers.get(item.question_id)
        code = escape(item.code)
        version = int(answer.version) if answer else 0
        posted_version = None if posted is None else param_int(posted.get(f"v__{item.code}"))
        if posted_version is not None:
            version = posted_version
        inputs.append(f'<input type="hidden" name="v__{code}" value="{version}" data-version-for="{code}">')
    return mark_safe("".join(inputs))  # noqa: S308 - the codes are escaped, the versions numbers


def _progress_templates() -> dict[str, str]:
    """The progress sentence with {answered} and {total} for the page's script to fill in."""
    return {
        "one": progress_text("{answered}", "{total}", count=1),
        "many": progress_text("{answered}", "{total}", count=2),
    }


def _messages_html(request) -> str:
    """The messages waiting for the user, drawn (and so shown once), or nothing."""
    waiting = messages.get_messages(request)
    return render_to_string("shared/messages.html", {"messages": waiting}, request) if len(waiting) else ""


def section_page_render(
    request, visit: Visit, section: Section, *, form: SectionForm | None = None, conflicts=(), status: int = 200
) -> HttpResponse:
    index = visit.sections.index(section)
    language = get_language()
    context = {
        "section": section,
        "title": section.title(language),
        "progress_templates": _progress_templates(),
        "position": index + 1,
        "section_count": len(visit.sections),
        "before": visit.sections[index - 1] if index > 0 else None,
        "after": visit.sections[index + 1] if index + 1 < len(visit.sections) else None,
        "form": form,
        "conflicts": conflicts,
    }
    # What differs between the links that open this section in this language: the slots of the
    # fast path's frame (surveys.fastpath.frames), and plain values of the template otherwise.
    slots = {
        "token": visit.token,
        "municipality_name": visit.response.municipality.name,
        "progress": visit.progress_text(section),
        "versions_html": versions_html(visit, section, posted=request.POST if form is not None else None),
        "form_html": section_form_html(visit, section, form=form),
        "messages_html": _messages_html(request),
        "csrf_token": get_token(request),
        "next_path": request.get_full_path(),
    }
    key = form_cache_key(visit.invitation.survey.questionnaire, section.code, language)
    if not fastpath.enabled() or key is None or form is not None or conflicts:
        return render(request, "respondent/section.html", {**context, **slots}, status=status)
    staff = request.user.is_authenticated and request.user.is_staff  # base.html's menu shows it
    before, after = bool(context["before"]), bool(context["after"])
    variant = f"{context['position']}:{context['section_count']}:{before}:{after}:{staff}:{status}"
    html = render_framed(request, "respondent/section.html", context, key=f"frame:{key}:{variant}", slots=slots)
    return HttpResponse(html, status=status)
