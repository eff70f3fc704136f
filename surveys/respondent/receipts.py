"""The receipt of a submission: the municipality's answers as a PDF and an e-mail."""

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from surveys.models import Invitation
from surveys.pdf import pdf_from_template
from surveys.respondent.links import Visit, review_rows, visit_build

# The task that e-mails a receipt, queued by name through the outbox (surveys/tasks.py).
RECEIPT_TASK = "surveys.tasks.receipt_send_task"


def receipt_pdf(*, visit: Visit, language: str) -> bytes:
    """The questionnaire's texts and the answers of the sections the link sees,
    with who submitted each section and when."""
    with translation.override(language):
        return pdf_from_template(
            "respondent/receipt_pdf.html",
            {
                "response": visit.response,
                "rows": review_rows(visit),
                "printed_at": timezone.localtime(),
                "language": language,
            },
        )


def receipt_send(*, invitation: Invitation, language: str) -> None:
    """E-mails the receipt with the PDF attached to the person who submitted."""
    visit = visit_build(invitation=invitation)
    with translation.override(language):
        pdf = receipt_pdf(visit=visit, language=language)
        context = {"invitation": invitation, "survey": invitation.survey, "municipality": invitation.municipality}
        subject = render_to_string("respondent/receipt_email_subject.txt", context).strip()
        body = render_to_string("respondent/receipt_email.txt", context)
    message = EmailMessage(subject, body, to=[invitation.email])
    message.attach(f"kvittering-{invitation.municipality.number}-{invitation.survey.year}.pdf", pdf, "application/pdf")
    message.send()
