"""Charts rendered on the server as SVG, so the same chart appears on a page, in the PDF and in an export.

Plain strings, no JavaScript: bars for choices and numbers, 100 % stacked bars for scales and
matrices. Every chart carries a title and a text alternative for screen readers.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Diverging for scale points (low = warm, high = cool), then neutral for the rest.
SCALE_COLOURS = ["#b2182b", "#ef8a62", "#67a9cf", "#2166ac", "#1b7837", "#5aae61"]
BAR_COLOUR = "#2166ac"
# Presentation attributes, not a style="" attribute: the Content-Security-Policy (style-src 'self')
# blocks inline style attributes in browsers, but not SVG presentation attributes.
FONT = 'font-family="sans-serif" font-size="11"'
LABEL_WIDTH = 230
BAR_WIDTH = 330
ROW_HEIGHT = 22


@dataclass
class Bar:
    label: str
    percent: int | None
    count: int


def _truncate(text: str, length: int = 42) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


LABEL_CHARS = 38  # characters of a label line that fit LABEL_WIDTH at FONT's size
LINE_HEIGHT = 13


def _wrap(text: str, width: int = LABEL_CHARS, lines: int = 3) -> list[str]:
    """A label in lines of at most `width` characters, broken between words, so a long option reads
    whole instead of being cut at the left of its bar; only a label longer than `lines` lines ends in "…"."""
    result: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width or not current:
            current = candidate
        else:
            result.append(current)
            current = word
    if current:
        result.append(current)
    if len(result) > lines:
        result = result[: lines - 1] + [_truncate(" ".join(result[lines - 1 :]), width)]
    return [_truncate(line, width) for line in result] or [""]


def _row_height(lines: list[str]) -> int:
    return max(ROW_HEIGHT, LINE_HEIGHT * len(lines) + 9)


def _label(lines: list[str], y: float, height: int) -> str:
    """A right-aligned label beside a bar, its lines centred on the bar's row."""
    first = y + height / 2 - LINE_HEIGHT * (len(lines) - 1) / 2 + 4
    spans = "".join(
        f'<tspan x="{LABEL_WIDTH - 6}" y="{round(first + LINE_HEIGHT * index, 1)}">{escape(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return f'<text text-anchor="end" {FONT}>{spans}</text>'


def bar_chart(*, title: str, bars: list[Bar]) -> SafeString:
    """Horizontal bars, one per category, scaled to 100 %; long labels wrap."""
    labels = [_wrap(bar.label) for bar in bars]
    heights = [_row_height(lines) for lines in labels]
    height = sum(heights) + 10
    width = LABEL_WIDTH + BAR_WIDTH + 60
    description = "; ".join(f"{bar.label}: {bar.percent if bar.percent is not None else '–'} %" for bar in bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}: {escape(description)}">',
        f"<title>{escape(title)}</title>",
    ]
    y = 5
    for bar, lines, row_height in zip(bars, labels, heights, strict=True):
        middle = y + row_height / 2
        length = round(BAR_WIDTH * (bar.percent or 0) / 100, 1)
        parts.append(_label(lines, y, row_height))
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{middle - 7}" width="{length}" height="{ROW_HEIGHT - 8}" fill="{BAR_COLOUR}"/>'
        )
        shown = "–" if bar.percent is None else f"{bar.percent} %"
        parts.append(f'<text x="{LABEL_WIDTH + length + 4}" y="{middle + 4}" {FONT}>{shown}</text>')
        y += row_height
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


@dataclass
class PointsBar:
    label: str
    points: int | None
    n: int


def points_chart(*, title: str, bars: list[PointsBar]) -> SafeString:
    """Net scores in points: bars left (negative) or right (positive) of a zero line, scaled to the
    largest absolute value, each labelled with its points and N, never as a percentage."""
    labels = [_wrap(bar.label) for bar in bars]
    heights = [_row_height(lines) for lines in labels]
    height = sum(heights) + 10
    width = LABEL_WIDTH + BAR_WIDTH + 90
    largest = max((abs(bar.points) for bar in bars if bar.points is not None), default=0) or 1
    zero = LABEL_WIDTH + BAR_WIDTH / 2
    description = "; ".join(
        f"{bar.label}: {'–' if bar.points is None else f'{bar.points:+d}'} (N {bar.n})" for bar in bars
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}: {escape(description)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{zero}" y1="2" x2="{zero}" y2="{height - 2}" stroke="#555" stroke-width="1"/>',
    ]
    y = 5
    for bar, lines, row_height in zip(bars, labels, heights, strict=True):
        middle = y + row_height / 2
        parts.append(_label(lines, y, row_height))
        points = bar.points or 0
        length = round(BAR_WIDTH / 2 * abs(points) / largest, 1)
        start = zero if points >= 0 else zero - length
        colour = BAR_COLOUR if points >= 0 else SCALE_COLOURS[0]
        parts.append(f'<rect x="{start}" y="{middle - 7}" width="{length}" height="{ROW_HEIGHT - 8}" fill="{colour}"/>')
        shown = "–" if bar.points is None else f"{bar.points:+d}"
        parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{middle + 4}" {FONT}>{shown} (N {bar.n})</text>')
        y += row_height
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


@dataclass
class StackedRow:
    label: str
    n: int
    percents: list[int | None]


def stacked_bars(*, title: str, legend: list[str], rows: list[StackedRow]) -> SafeString:
    """One 100 % bar per row (a scale question or each matrix item), segments in legend order."""
    legend_height = 20
    labels = [_wrap(row.label) for row in rows]
    heights = [_row_height(lines) for lines in labels]
    height = sum(heights) + legend_height + 14
    width = LABEL_WIDTH + BAR_WIDTH + 70
    colours = [SCALE_COLOURS[index % len(SCALE_COLOURS)] for index in range(len(legend))]
    if len(legend) == 4:
        colours = [SCALE_COLOURS[0], SCALE_COLOURS[1], SCALE_COLOURS[2], SCALE_COLOURS[3]]
    description = "; ".join(
        f"{row.label} (N {row.n}): "
        + ", ".join(f"{name} {p if p is not None else '–'} %" for name, p in zip(legend, row.percents, strict=False))
        for row in rows
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}: {escape(description)}">',
        f"<title>{escape(title)}</title>",
    ]
    x = LABEL_WIDTH
    for name, colour in zip(legend, colours, strict=True):
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="13" {FONT}>{escape(_truncate(name, 18))}</text>')
        x += 14 + 7 * min(len(name), 18) + 10
    y = legend_height + 6
    for row, lines, row_height in zip(rows, labels, heights, strict=True):
        parts.append(_label(lines, y, row_height))
        top = y + row_height / 2 - 7
        start = float(LABEL_WIDTH)
        total = sum(p or 0 for p in row.percents) or 1
        for percent, colour in zip(row.percents, colours, strict=False):
            if not percent:
                continue
            # Scaled by the rounded total, so the bar ends at 100 % even when the rounded parts do not.
            length = round(BAR_WIDTH * percent / total, 1)
            parts.append(f'<rect x="{start}" y="{top}" width="{length}" height="{ROW_HEIGHT - 8}" fill="{colour}"/>')
            if length >= 22:
                parts.append(
                    f'<text x="{start + length / 2}" y="{top + 11}" text-anchor="middle" '
                    f'fill="#fff" {FONT}>{percent}</text>'
                )
            start += length
        parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{top + 11}" {FONT}>N {row.n}</text>')
        y += row_height
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


# Distinct colours for the lines of one chart (colour-blind safe, after Okabe and Ito).
LINE_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"]


@dataclass
class Line:
    label: str
    values: list[float | int | None]  # one per x label; None leaves a gap
    colour: int = 0  # index into LINE_COLOURS
    dashed: bool = False


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def line_chart(
    *,
    title: str,
    x_labels: list[str],
    lines: list[Line],
    y_min: float,
    y_max: float,
    unit: str = "",
    n_rows: list[tuple[str, list[int]]] | None = None,
    heading: str = "",
) -> SafeString:
    """Lines over time (years on the x axis), with the N of every year under the axis and a legend.
    A line's missing values leave gaps; dashed lines are told apart from solid ones in the legend.
    The title is the chart's accessible name; `heading`, if any, is also shown above the plot."""
    n_rows = n_rows or []
    plot_left, plot_top, plot_width, plot_height = 72, 22 if heading else 8, 340, 130
    inset = 24  # the first and last year stand clear of the axis
    legend_left = plot_left + plot_width + 18
    legend_height = 16 * len(lines)
    height = plot_top + max(plot_height, legend_height) + 24 + 14 * len(n_rows) + 8
    width = legend_left + 190
    span = (y_max - y_min) or 1
    step = (plot_width - 2 * inset) / max(len(x_labels) - 1, 1)

    def x_of(index: int) -> float:
        return round(plot_left + (inset + index * step if len(x_labels) > 1 else plot_width / 2), 1)

    def y_of(value: float) -> float:
        return round(plot_top + plot_height - (value - y_min) / span * plot_height, 1)

    description = "; ".join(
        f"{line.label}: "
        + ", ".join(
            f"{x} {'–' if v is None else _number(v) + unit}" for x, v in zip(x_labels, line.values, strict=False)
        )
        for line in lines
    )
    if n_rows:
        description += "; " + "; ".join(
            f"{label}: " + ", ".join(f"{x} {n}" for x, n in zip(x_labels, counts, strict=False))
            for label, counts in n_rows
        )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}: {escape(description)}">',
        f"<title>{escape(title)}</title>",
    ]
    if heading:
        parts.append(f'<text x="0" y="12" {FONT} font-weight="bold">{escape(_truncate(heading, 95))}</text>')
    for tick in range(5):
        value = y_min + span * tick / 4
        y = y_of(value)
        parts.append(
            f'<line x1="{plot_left}" y1="{y}" x2="{plot_left + plot_width}" y2="{y}" stroke="#ddd" stroke-width="1"/>'
        )
        parts.append(f'<text x="{plot_left - 4}" y="{y + 4}" text-anchor="end" {FONT}>{_number(value)}{unit}</text>')
    axis_y = plot_top + plot_height
    for index, label in enumerate(x_labels):
        parts.append(f'<text x="{x_of(index)}" y="{axis_y + 14}" text-anchor="middle" {FONT}>{escape(label)}</text>')
    for row, (label, counts) in enumerate(n_rows):
        y = axis_y + 30 + 14 * row
        parts.append(f'<text x="{plot_left - 4}" y="{y}" text-anchor="end" {FONT}>{escape(label)}</text>')
        for index, count in enumerate(counts):
            parts.append(f'<text x="{x_of(index)}" y="{y}" text-anchor="middle" {FONT}>{count}</text>')
    for number, line in enumerate(lines):
        colour = LINE_COLOURS[line.colour % len(LINE_COLOURS)]
        dash = ' stroke-dasharray="5 3"' if line.dashed else ""
        segment: list[str] = []
        segments = [segment]
        for index, value in enumerate(line.values):
            if value is None:
                segment = []
                segments.append(segment)
                continue
            segment.append(f"{x_of(index)},{y_of(value)}")
            parts.append(f'<circle cx="{x_of(index)}" cy="{y_of(value)}" r="2.5" fill="{colour}"/>')
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
                )
        y = plot_top + 16 * number
        parts.append(
            f'<line x1="{legend_left}" y1="{y + 5}" x2="{legend_left + 22}" y2="{y + 5}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
        )
        parts.append(f'<text x="{legend_left + 28}" y="{y + 9}" {FONT}>{escape(_truncate(line.label, 28))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
