from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import demo_second_factors_ensure
from reminders.demo import demo_followup_ensure
from surveys import demo
from surveys.past_rounds.demo import demo_past_rounds_ensure


class Command(BaseCommand):
    help = (
        "Load demo data on top of the imported registry (made-up contacts and profile attributes, staff "
        "accounts, survey rounds with their reminders and chase log, two earlier rounds imported from generated SPSS "
        "files) and print the demo logins. Refuses to run "
        "with PLATFORM_ENV=production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000", help="Port the web server will listen on, for the printed links.")

    def handle(self, *args, port: str, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is made up: load_demo refuses to run with PLATFORM_ENV=production.")
        accounts = demo.demo_accounts_ensure()
        second_factors = demo_second_factors_ensure(usernames=[account.username for account in accounts])
        demo.demo_profiles_fill(years=[2024, 2025, 2026])
        demo.demo_contacts_ensure()
        earlier, current = demo.demo_rounds_ensure()
        imported = demo_past_rounds_ensure(years=[earlier.year - 2, earlier.year - 1])
        demo.demo_open_answers_code(survey=earlier)
        demo.demo_exports_request(survey=earlier)
        for survey in (earlier, current):
            demo_followup_ensure(survey=survey)
        link = demo.demo_respondent_link(survey=current)
        base = f"http://127.0.0.1:{port}"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(f"Staff login: {base}/staff/login/")
        for account in accounts:
            self.stdout.write(f"  Username: {account.username:<11} Password: {account.password}   ({account.what})")
        self.stdout.write(
            "  Then a second factor: a code from an authenticator app with the account's key, or a recovery code"
            " (each works once; `manage.py staff_recovery_codes <username>` prints new ones):"
        )
        for username, factor in second_factors.items():
            self.stdout.write(f"  {username:<11} key {factor.key}   recovery codes: {' '.join(factor.recovery_codes)}")
        self.stdout.write(f"Respondent link (chief executive of Bergen, {current.title}): {link}")
        self.stdout.write(
            f"Earlier round: {earlier.title}, closed, with {earlier.responses.count()} generated responses; its"
            f" reports and exports (built by the worker): {base}/staff/analysis/{earlier.pk}/report/ and"
            f" {base}/staff/analysis/{earlier.pk}/codebook/"
        )
        earlier_link = demo.demo_respondent_link(survey=earlier, create=False)
        if earlier_link:
            self.stdout.write(
                f"Bergen's own report of {earlier.year}, through its chief executive's link of that round (expired"
                f" for answering; the worker builds a report for every responding unit after the regional ones):"
                f" {earlier_link}"
            )
        self.stdout.write(
            f"Imported earlier rounds (from generated SPSS files, docs/past-rounds.md): {earlier.year - 2} and"
            f" {earlier.year - 1}{' (imported now)' if imported else ''}; their time series run on to {current.year}:"
            f" {base}/staff/design/past-rounds/"
        )
        self.stdout.write(
            f"Response rate and chase board, {current.title}: {base}/staff/reminders/{current.pk}/monitor/"
        )
        self.stdout.write(f"Outbox of sent e-mail: {base}/staff/outbox/")
        self.stdout.write("")
