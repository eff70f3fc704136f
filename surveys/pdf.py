"""Every PDF is an HTML template handed to WeasyPrint by this one function.

Charts (surveys.analytics.charts) are inline SVG in the HTML, as the pages show them. WeasyPrint would
read every element of an inline SVG with its HTML parser and run the document's CSS cascade over each
one; a national report's 285 charts hold some 16,000 elements, and parsing and cascading them took
about a quarter of the report's build (bench/RESULTS.md, "Reports at close"). So each chart is handed
to WeasyPrint as an SVG image instead: its own SVG parser reads it and draws it exactly as it draws an
inline one (the pages come out identical, pixel for pixel).
"""

import base64
import re
from dataclasses import dataclass
from xml.etree import ElementTree

from django.conf import settings
from django.template.loader import render_to_string

SVG_NAMESPACE = 'xmlns="http://www.w3.org/2000/svg"'
INLINE_SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.DOTALL)
ARIA_LABEL = re.compile(r'\baria-label="([^"]*)"')


def _svg_as_image(match: re.Match) -> str:
    """An inline SVG as an <img> of the same SVG, its accessible name as the alternative text. An
    SVG that is not a well-formed document of its own (no namespace, a nested <svg>, an HTML entity)
    stays inline, as WeasyPrint could not load it as an image."""
    svg = match.group(0)
    opening = svg[: svg.index(">")]
    if SVG_NAMESPACE not in opening or svg.count("<svg") > 1:
        return svg
    try:
        ElementTree.fromstring(svg)
    except ElementTree.ParseError:
        return svg
    label = ARIA_LABEL.search(opening)
    data = base64.b64encode(svg.encode()).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{label.group(1) if label else ""}">'


def pdf_html(html: str) -> str:
    """The HTML as WeasyPrint gets it: inline SVG charts as SVG images (see the module's docstring). A
    template styles them as `img`, not `svg`."""
    return INLINE_SVG.sub(_svg_as_image, html)


@dataclass(frozen=True)
class Pdf:
    content: bytes
    pages: int  # as laid out: a report records it without reading the PDF again


def pdf_document(template: str, context: dict) -> Pdf:
    from weasyprint import HTML  # imported late: it loads Pango, which only PDF work needs

    html = pdf_html(render_to_string(template, context))
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    return Pdf(document.write_pdf(), len(document.pages))


def pdf_from_template(template: str, context: dict) -> bytes:
    return pdf_document(template, context).content
