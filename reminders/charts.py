"""The response-rate monitor's chart: the share of units responding, cumulative, per day since
the round opened, beside last year's round on the same days since its opening, with a labelled
mark on each day a reminder went out (numbers this year, letters last year). SVG rendered on
the server like the analysis charts (surveys.analytics.charts), with a text alternative; the
page puts the figures per day in a table beside it."""

import datetime
import string

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reminders.selectors import ResponseCurve, SendMark
from surveys.analytics.charts import BAR_COLOUR, FONT

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 48
MARK_COLOUR = "#b2182b"
# Last year's line and marks: grey with a 5:1 contrast on white, dashed so colour is not the only cue.
LAST_YEAR_COLOUR = "#595959"
LAST_YEAR_DASH = "7 4"


def mark_labels(marks: list[SendMark], *, letters: bool = False) -> dict[datetime.date, str]:
    """The label of each day with sends: 1, 2, 3 … for this year, a, b, c … for last year."""
    days = sorted({mark.day for mark in marks})
    if letters and len(days) <= len(string.ascii_lowercase):
        return dict(zip(days, string.ascii_lowercase, strict=False))
    return {day: str(index) for index, day in enumerate(days, start=1)}


def mark_legend(marks: list[SendMark], *, letters: bool = False) -> list[tuple[str, SendMark]]:
    """The labels the chart puts on its marks, for the legend under it."""
    labels = mark_labels(marks, letters=letters)
    return [(labels[mark.day], mark) for mark in marks]


def _summary(curve: ResponseCurve, day: int) -> str:
    on_day, count = curve.cumulative[min(day, len(curve.cumulative) - 1)]
    return _("%(responded)s of %(units)s units (%(percent)s %%) had responded by %(day)s") % {
        "responded": count,
        "units": curve.units,
        "percent": curve.percent(count) if curve.units else "–",
        "day": on_day.strftime("%d.%m.%Y"),
    }


def _sends(curve: ResponseCurve, labels: dict[datetime.date, str]) -> str:
    return "; ".join(f"{labels[mark.day]}: {mark.day:%d.%m.} {mark.label} ({mark.sent})" for mark in curve.sends)


def description(*, curve: ResponseCurve, last_year: ResponseCurve | None) -> str:
    """The chart's text alternative: where both rounds stood on this round's latest day since
    opening, where last year's ended, and the reminders of each."""
    today = len(curve.cumulative) - 1
    text = _("This round: %(summary)s.") % {"summary": _summary(curve, today)}
    if curve.sends:
        text += " " + _("Reminders this round: %(sends)s.") % {"sends": _sends(curve, mark_labels(curve.sends))}
    if last_year is None or not last_year.cumulative:
        return text + " " + _("There is no closed round from last year to compare with.")
    text += " " + _("Last year, on the same day since opening: %(summary)s; at the end: %(end)s.") % {
        "summary": _summary(last_year, today),
        "end": _summary(last_year, len(last_year.cumulative) - 1),
    }
    if last_year.sends:
        text += " " + _("Reminders last year: %(sends)s.") % {
            "sends": _sends(last_year, mark_labels(last_year.sends, letters=True))
        }
    return text


def cumulative_chart(*, title: str, curve: ResponseCurve, last_year: ResponseCurve | None) -> SafeString:
    """Step lines of the share of units responding per day since opening (0 to 100 %), this
    round solid and last year's dashed, and a vertical mark on each day with reminder sends."""
    if not curve.cumulative:
        return mark_safe("")
    previous = last_year if last_year is not None and last_year.cumulative else None
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = max(len(curve.cumulative), len(previous.cumulative) if previous else 0) - 1
    days = max(span, 1)

    def x(day: int) -> float:
        return round(LEFT + plot_width * day / days, 1)

    def y(share: float) -> float:
        return round(TOP + plot_height * (1 - share), 1)

    text = description(curve=curve, last_year=last_year)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" aria-label="{escape(title)}: {escape(text)}">',
        f"<title>{escape(title)}</title>",
    ]
    for share in (0, 25, 50, 75, 100):
        level = y(share / 100)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{level}" y2="{level}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{level + 4}" text-anchor="end" {FONT}>{share} %</text>')
    for day in range(0, span + 1, 7):
        parts.append(f'<text x="{x(day)}" y="{HEIGHT - 30}" text-anchor="middle" {FONT}>{day}</text>')
    axis_title = escape(_("Days since opening"))
    parts.append(f'<text x="{LEFT + plot_width / 2}" y="{HEIGHT - 10}" text-anchor="middle" {FONT}>{axis_title}</text>')

    def marks(line: ResponseCurve, *, letters: bool, colour: str, dash: str, label_y: float) -> None:
        opened = line.cumulative[0][0]
        for day, label in mark_labels(line.sends, letters=letters).items():
            since = (day - opened).days
            if not 0 <= since <= span:
                continue
            parts.append(
                f'<line x1="{x(since)}" x2="{x(since)}" y1="{TOP}" y2="{TOP + plot_height}" stroke="{colour}" '
                f'stroke-dasharray="{dash}"/>'
            )
            parts.append(f'<text x="{x(since) + 3}" y="{label_y}" fill="{colour}" {FONT}>{label}</text>')

    def steps(line: ResponseCurve, **stroke: str) -> None:
        units = max(line.units, 1)
        points = []
        for day, (_date, count) in enumerate(line.cumulative):
            if day:
                points.append(f"{x(day)},{y(line.cumulative[day - 1][1] / units)}")
            points.append(f"{x(day)},{y(count / units)}")
        attributes = " ".join(f'{name.replace("_", "-")}="{value}"' for name, value in stroke.items())
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" {attributes}/>')

    if previous:
        marks(previous, letters=True, colour=LAST_YEAR_COLOUR, dash="2 3", label_y=TOP + plot_height - 4)
        steps(previous, stroke=LAST_YEAR_COLOUR, stroke_width="2", stroke_dasharray=LAST_YEAR_DASH)
    marks(curve, letters=False, colour=MARK_COLOUR, dash="4 3", label_y=TOP + 10)
    steps(curve, stroke=BAR_COLOUR, stroke_width="2.5")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped or a number
