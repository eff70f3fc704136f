from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from operations.backup import BackupError, backup_restore, database_from_url, database_label


class Command(BaseCommand):
    help = (
        "Restore a backup written by backup_platform: the database into the database given by "
        "--database-url (default: the configured DATABASE_URL) and the files into --media-root (default: "
        "MEDIA_ROOT), then count every table and check every file against the backup's manifest. Refuses a "
        "database that already has tables unless --force. Stop the web processes, workers and beat before "
        "restoring into a database they use, and run migrate afterwards when the code is newer than the backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The archive (.tar) that backup_platform wrote.")
        parser.add_argument(
            "--database-url",
            help="The database to restore into, e.g. postgres://user@host:5432/survey_restored (created empty "
            "beforehand) or sqlite:///var/restored.sqlite3. Default: the configured database.",
        )
        parser.add_argument(
            "--media-root", type=Path, help="The folder to restore the stored files into. Default: MEDIA_ROOT."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore into a database that has tables: what the backup holds replaces what is there "
            "(pg_restore --clean; on SQLite the whole file). Files with the same name are overwritten.",
        )

    def handle(self, *args, archive: Path, database_url: str | None, media_root: Path | None, force: bool, **options):
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist.")
        database = database_from_url(database_url) if database_url else connections["default"].settings_dict
        media_root = media_root or Path(settings.MEDIA_ROOT)
        try:
            manifest = backup_restore(archive=archive, database=database, media_root=media_root, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Restored {archive} (made {manifest.created_at}) into {database_label(database)}")
        )
        self.stdout.write(
            f"  {manifest.headline()}; all {len(manifest.tables)} tables and {len(manifest.files)} files "
            "match the manifest."
        )
