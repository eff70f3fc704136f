import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from privacy.services import Doer, survey_pseudonymise
from surveys.models import Survey


class Command(BaseCommand):
    help = (
        "Pseudonymise the audit trail of an archived round: every person's name and e-mail address in the "
        "round's answer changes, links, messages, section statuses and chase notes becomes a pseudonym "
        "('Person 3'), the same for one person throughout the round. The answers stay with the municipality. "
        "Refused for a round that is not archived, and for a round already pseudonymised. Cannot be undone."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="The year of the round.")

    def handle(self, *args, year: int, **options):
        survey = Survey.objects.filter(year=year).first()
        if survey is None:
            raise CommandError(f"There is no round for {year}.")
        try:
            log = survey_pseudonymise(survey=survey, doer=Doer(name=f"command line ({getpass.getuser()})"))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        details = log.details
        self.stdout.write(
            self.style.SUCCESS(
                f"{survey}: {details['people']} people pseudonymised in {details['answer_changes']} answer changes, "
                f"{details['invitations']} links, {details['messages']} messages, {details['sections']} sections "
                f"and {details['chase_entries']} chase notes."
            )
        )
