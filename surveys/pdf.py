"""Every PDF is an HTML template handed to WeasyPrint by this one function."""

from django.conf import settings
from django.template.loader import render_to_string


def pdf_from_template(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, which only PDF work needs

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
