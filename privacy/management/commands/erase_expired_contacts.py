import getpass

from django.core.management.base import BaseCommand
from django.utils import timezone

from privacy.services import Doer, contacts_erase_expired


class Command(BaseCommand):
    help = (
        "Erase the contacts the retention rule has expired: contacts in no round that is open or being "
        "prepared, whom nobody has changed, invited or reminded for CONTACT_RETENTION_DAYS days (an "
        "environment variable, default 730). Each is deleted and its name and address are replaced by a "
        "pseudonym in links, messages, chase notes and the audit trail; the municipality's answers stay. "
        "Celery beat runs this every night; see docs/operations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the contacts that would be erased and change nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        doer = Doer(name=f"command line ({getpass.getuser()})")
        logs = contacts_erase_expired(now=timezone.now(), doer=doer, dry_run=dry_run)
        for log in logs:
            details = log.details
            what = "would erase" if dry_run else f"erased as {log.subject}:"
            self.stdout.write(
                f"  {what} a contact of {details['municipality']} ({details['role']}), "
                f"last changed or used {details['last_activity'][:10]}"
            )
        verb = "would be erased (dry run, nothing changed)" if dry_run else "erased"
        self.stdout.write(self.style.SUCCESS(f"{len(logs)} expired contacts {verb}."))
