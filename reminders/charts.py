"""The response-rate monitor's chart: cumulative responding units per day of the field
period, with a numbered mark on each day a reminder went out. SVG rendered on the server
like the analysis charts (surveys.analytics.charts), with a text alternative."""

import datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reminders.selectors import SendMark
from surveys.analytics.charts import BAR_COLOUR, FONT

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 34
MARK_COLOUR = "#b2182b"


def cumulative_chart(
    *, title: str, points: list[tuple[datetime.date, int]], units: int, marks: list[SendMark]
) -> SafeString:
    """A step line of responding units per day (0 to all units) and dashed marks for sends."""
    if not points:
        return mark_safe("")
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    days = max(len(points) - 1, 1)
    top = max(units, 1)
    start = points[0][0]

    def x(day: datetime.date) -> float:
        return round(LEFT + plot_width * (day - start).days / days, 1)

    def y(count: int) -> float:
        return round(TOP + plot_height * (1 - count / top), 1)

    numbers = {day: index for index, day in enumerate(sorted({mark.day for mark in marks}), start=1)}
    mark_days = [day for day in numbers if start <= day <= points[-1][0]]
    description = _("%(responded)s of %(units)s units have responded by %(day)s.") % {
        "responded": points[-1][1],
        "units": units,
        "day": points[-1][0].strftime("%d.%m.%Y"),
    }
    if marks:
        description += " " + _("Reminders: %(sends)s.") % {
            "sends": "; ".join(f"{mark.day:%d.%m.} {mark.label} ({mark.sent})" for mark in marks)
        }
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" aria-label="{escape(title)}: {escape(description)}">',
        f"<title>{escape(title)}</title>",
    ]
    for share in (0, 25, 50, 75, 100):
        level = y(round(top * share / 100))
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{level}" y2="{level}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{level + 4}" text-anchor="end" {FONT}>{share} %</text>')
    for day in mark_days:
        parts.append(
            f'<line x1="{x(day)}" x2="{x(day)}" y1="{TOP}" y2="{TOP + plot_height}" stroke="{MARK_COLOUR}" '
            f'stroke-dasharray="4 3"/>'
        )
        parts.append(f'<text x="{x(day) + 3}" y="{TOP + 10}" fill="{MARK_COLOUR}" {FONT}>{numbers[day]}</text>')
    steps = []
    for index, (day, count) in enumerate(points):
        if index:
            steps.append(f"{x(day)},{y(points[index - 1][1])}")
        steps.append(f"{x(day)},{y(count)}")
    parts.append(f'<polyline points="{" ".join(steps)}" fill="none" stroke="{BAR_COLOUR}" stroke-width="2"/>')
    for day in (points[0][0], points[-1][0]):
        parts.append(f'<text x="{x(day)}" y="{HEIGHT - 12}" text-anchor="middle" {FONT}>{day:%d.%m.}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped or a number


def mark_legend(marks: list[SendMark]) -> list[tuple[int, SendMark]]:
    """The numbers the chart puts on its marks, for the legend under it."""
    numbers: dict[datetime.date, int] = {}
    for mark in sorted(marks, key=lambda mark: mark.day):
        numbers.setdefault(mark.day, len(numbers) + 1)
    return [(numbers[mark.day], mark) for mark in marks]
