from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from accounts.services import recovery_codes_create


class Command(BaseCommand):
    help = (
        "Print ten new single-use recovery codes for a staff account whose authenticator app is lost "
        "(the earlier codes stop working). A command-line act, like creating a superuser."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The staff account's username.")

    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff account is called {username!r}.")
        for code in recovery_codes_create(user=user):
            self.stdout.write(code)
