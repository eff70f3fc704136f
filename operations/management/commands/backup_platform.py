from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from operations.backup import BackupError, backup_create, database_label


class Command(BaseCommand):
    help = (
        "Back up the whole platform into one archive: the database (pg_dump's custom format on PostgreSQL, "
        "a copy made with SQLite's online backup API on the embedded default) and every file under MEDIA_ROOT, "
        "with a manifest of the row count of every table and the checksum of every file. Safe while the "
        "platform runs. The archive holds personal data: it is written readable by its owner only; keep it "
        "encrypted and delete it when it is no longer needed (see docs/operations.md). "
        "Restore it with restore_platform."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="Where to write the archive (.tar). Default: VAR_DIR/backups/platform-<date>-<time>.tar.",
        )

    def handle(self, *args, output: Path | None, **options):
        database = connections["default"].settings_dict
        if output is None:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            output = settings.VAR_DIR / "backups" / f"platform-{stamp}.tar"
        try:
            manifest = backup_create(database=database, media_root=Path(settings.MEDIA_ROOT), destination=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Backed up {database_label(database)} and {settings.MEDIA_ROOT} to {output}")
        )
        self.stdout.write(f"  {manifest.headline()}; {len(manifest.tables)} tables counted in the manifest.")
