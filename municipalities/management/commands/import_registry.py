from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from municipalities.registry_import import DATA_DIR, RegistryImportError, registry_apply, registry_read


class Command(BaseCommand):
    help = (
        "Load counties, the six historical regions, the municipalities of 2019, 2020 and 2024 with the "
        "reform links between them, Oslo's districts and their yearly profiles from the shipped data files. "
        "Idempotent: a second run changes nothing and says so. All-or-nothing: a malformed row stops the "
        "import with its file, line and column, and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=DATA_DIR,
            help=f"Folder with the registry CSV files (default: {DATA_DIR}).",
        )

    def handle(self, *args, data_dir: Path, verbosity: int, **options):
        try:
            registry = registry_read(data_dir=data_dir)
        except RegistryImportError as error:
            raise CommandError(f"Nothing was imported. {error}") from error
        report = registry_apply(registry=registry)
        if verbosity > 1 or report.changed_anything:
            for line in report.lines():
                self.stdout.write(line)
        if report.changed_anything:
            self.stdout.write(self.style.SUCCESS("Registry imported."))
        else:
            self.stdout.write("No changes: the registry is already up to date.")
