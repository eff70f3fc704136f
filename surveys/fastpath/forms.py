"""A section's form compiled (a trick of the fast path, surveys.fastpath): rendered by crispy-forms
once per frozen questionnaire, section and language, then filled in with each municipality's
answers. Its plain twin is crispy-forms rendering the form on every page
(surveys.forms.section_form_render).

Rendering sixty questions' fields through crispy-forms takes a couple of hundred milliseconds,
and none of it depends on the answers except a few spots: which options are checked, the value
of a text or number field, the text of a text area, and which items a condition hides. So the
form is rendered once with every option checked, a marker as every other value and every item
hidden; each of those spots becomes a slot, and the rest is kept as text with the frozen
questionnaire's other entries (surveys.respondent.plan: the process's memory and the Django cache).
Filling the slots writes exactly what Django and crispy-forms would have written (the tests
compare both), so the designer's preview and the respondent's page stay the same rendering.
"""

import re
from collections.abc import Iterable, Mapping

from crispy_forms.templatetags.crispy_forms_utils import remove_spaces
from django import forms
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import override

from surveys.forms import SectionForm, section_form_render
from surveys.models import Item

CHECK, VALUE, TEXT, HIDDEN = "check", "value", "text", "hidden"
_MARK = "@@slot:{}@@"
_MARK_PATTERN = re.compile(r"@@slot:(\w+)@@")
_TOKENS = re.compile(r"<input\b[^>]*>|<div\b[^>]*\sdata-question=\"\w+\"[^>]*>|@@slot:\w+@@")
_CHECKED = re.compile(r"\s+checked(?:=\"checked\")?(?=[\s/>])")
_VALUE_MARK = re.compile(r" value=\"@@slot:(\w+)@@\"")
_HIDDEN = re.compile(r" hidden=\"hidden\"")
_ATTRIBUTE = re.compile(r"\s(name|value|data-question)=\"([^\"]*)\"")

Segment = str | tuple[str, ...]  # text, or a slot: (kind, field or item code, ...)


def _compile(items: list[Item], language: str, numbers: Mapping[int, int]) -> list[Segment]:
    hidden = frozenset(item.question.code for item in items)
    form = SectionForm(items=items, language=language, hidden_codes=hidden, numbers=numbers)
    initial = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.ChoiceField):
            # Every option checked: a radio button group normally checks only the first that matches.
            field.widget.allow_multiple_selected = True
            initial[name] = [str(code) for code, _label in field.choices]
        else:
            initial[name] = _MARK.format(name)
    form.initial = initial
    html = str(section_form_render(form))

    segments: list[Segment] = []
    position = 0
    for match in _TOKENS.finditer(html):
        segments.append(html[position : match.start()])
        position = match.end()
        token = match.group(0)
        attributes = dict(_ATTRIBUTE.findall(token))
        if token.startswith("<input"):
            checked = _CHECKED.search(token)
            value_mark = _VALUE_MARK.search(token)
            if checked:
                slot = (CHECK, attributes["name"], attributes["value"], checked.group(0))
                segments += [token[: checked.start()], slot, token[checked.end() :]]
            elif value_mark:
                segments += [token[: value_mark.start()], (VALUE, value_mark.group(1)), token[value_mark.end() :]]
            else:
                segments.append(token)
        elif token.startswith("<div"):
            hidden = _HIDDEN.search(token)
            segments += [token[: hidden.start()], (HIDDEN, attributes["data-question"], hidden.group(0))]
            segments.append(token[hidden.end() :])
        else:
            segments.append((TEXT, _MARK_PATTERN.match(token).group(1)))
    segments.append(html[position:])
    if _MARK_PATTERN.search("".join(s for s in segments if isinstance(s, str))):
        raise ValueError("A value marker was left in the compiled form: a field renders its value somewhere new.")
    merged: list[Segment] = []
    for segment in segments:
        if isinstance(segment, str) and merged and isinstance(merged[-1], str):
            merged[-1] += segment
        elif segment != "":
            merged.append(segment)
    return merged


def _chosen(value: object) -> set[str]:
    if value is None:
        return set()
    values = value if isinstance(value, list | tuple) else [value]
    return {str(item) for item in values if item is not None}


def _fill(segments: list[Segment], initial: Mapping[str, object], hidden: Iterable[str]) -> str:
    hidden = set(hidden)
    if not initial:  # nothing answered yet (a link's first visit): only the hidden items to mark
        return "".join([_blank(segment, hidden) for segment in segments])
    whitespace_text = False
    out = []
    chosen: dict[str, set[str]] = {}
    for segment in segments:
        if isinstance(segment, str):
            out.append(segment)
            continue
        kind = segment[0]
        if kind == CHECK:
            _kind, name, option, literal = segment
            if name not in chosen:
                chosen[name] = _chosen(initial.get(name))
            if option in chosen[name]:
                out.append(literal)
        elif kind == HIDDEN:
            if segment[1] in hidden:
                out.append(segment[2])
        else:
            value = initial.get(segment[1])
            if value is None or value == "":
                continue
            if kind == TEXT and str(value).isspace():
                whitespace_text = True
            out.append(f' value="{escape(value)}"' if kind == VALUE else escape(value))
    html = "".join(out)
    # crispy-forms squeezes whitespace between tags, which a text area holding only spaces is.
    return remove_spaces(html) if whitespace_text else html


def _blank(segment: Segment, hidden: set[str]) -> str:
    if isinstance(segment, str):
        return segment
    return segment[2] if segment[0] == HIDDEN and segment[1] in hidden else ""


def section_form_compile(items: list[Item], language: str, numbers: Mapping[int, int]) -> list[Segment]:
    """The section's form rendered once, as text and slots, to keep (`numbers`: as SectionForm's)."""
    with override(language):
        return _compile(items, language, numbers)


def section_form_fill(segments: list[Segment], *, initial: Mapping[str, object], hidden: Iterable[str]) -> SafeString:
    """The compiled form showing `initial` (form initial data, see surveys.answers.initial_from_answer)
    with the items in `hidden` hidden: what section_form_render would draw."""
    return mark_safe(_fill(segments, initial, hidden))  # noqa: S308 - the slots are escaped in _fill
