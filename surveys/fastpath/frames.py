"""The section page drawn once per variant and filled in per request (a trick of the fast path,
surveys.fastpath).

A section page is the same for every link that opens the same section of the same frozen
questionnaire in the same language, but for a handful of values: the link's token, the
municipality's name, the CSRF token, the progress, the answers' versions and the form with
the answers. Django's template engine took longer to draw the rest (base.html and
respondent/section.html) than everything else the page does, so the template is drawn once
per variant with markers in the places of those values (slots), kept in this process's memory
(surveys.fastpath.memory), and each page is the frame with the values filled in, escaped as
the template would have escaped them. Its plain twin is the template drawn in full, which every
page with a conflict or a form's errors is, and which tests compare it with. A marker holds a
random part drawn when the process starts, so no text of the questionnaire can contain one, and a
frame never leaves its process.

What goes into a slot must be used plainly in the template (`{{ name }}`, or as an argument of
`{% url %}`), never through a filter; `frame_split` refuses a frame where a marker is missing.
A page that shows anything else (a conflict, a form with errors) is drawn in full. Both templates
say so at their top: a new per-request value in base.html must become a slot of this page.

Decided with numbers (bench/RESULTS.md, 2026-12-07): drawn in full by Django's templates the
section page took 3.9x and 4.5x the ceiling (demo section, 60 questions), drawn by a Jinja2 twin
of the two templates 3.5x and 4.4x, filled into its frame 2.9x and 3.8x; the target is 4x.
"""

import re
import secrets

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString

from surveys.fastpath.memory import memory

_MARK = f"slot{secrets.token_hex(8)}"
_MARKS = re.compile(rf"{_MARK}([a-z_]+)9")


def marker(name: str) -> str:
    """The text that stands for slot `name` while the frame is drawn (letters and digits only,
    so escaping and URLs leave it as it is)."""
    return f"{_MARK}{name}9"


def frame_split(html: str, names) -> list[str]:
    """The drawn frame as text and slot names, alternating (text first)."""
    parts = _MARKS.split(html)
    found = set(parts[1::2])
    if found != set(names):
        raise ValueError(f"the frame's slots {sorted(found)} are not {sorted(names)}")
    return parts


def frame_fill(parts: list[str], values: dict[str, str]) -> str:
    """The frame with each slot's value: safe HTML as it is, other text escaped."""
    filled = [
        part if index % 2 == 0 else (values[part] if isinstance(values[part], SafeString) else escape(values[part]))
        for index, part in enumerate(parts)
    ]
    return "".join(filled)


def render_framed(request, template_name: str, context: dict, *, key: str, slots: dict[str, str]) -> str:
    """The template drawn with `context` and the `slots`' values, from the frame kept under
    `key` (which must name everything else the page depends on), drawn now if it is not kept."""
    parts = memory.get_many([key]).get(key)
    if parts is None:
        marked = {**context, **{name: marker(name) for name in slots}}
        parts = frame_split(render_to_string(template_name, marked, request), slots)
        memory.set_many({key: parts})
    return frame_fill(parts, slots)
