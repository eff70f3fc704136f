import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from operations.upload_limits import UploadRefused
from surveys.past_rounds.dry_run import past_round_plan
from surveys.past_rounds.matching import mapping_suggest
from surveys.past_rounds.reading import past_round_file_read
from surveys.past_rounds.services import PastRoundRefused, past_round_import


class Command(BaseCommand):
    help = (
        "Import a past round from a data file (.sav, .xlsx or .csv) as a closed round of its year. Without "
        "--mapping the platform suggests one (units by number, columns by code and label, values by label and "
        "code; see docs/past-rounds.md); --save-mapping writes it as JSON to confirm or edit and pass back with "
        "--mapping (also next year, for a file of the same shape). Prints the dry run's report; writes nothing "
        "unless --commit is given with a --mapping, and then all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The data file: SPSS .sav, Excel .xlsx or CSV.")
        parser.add_argument("--year", type=int, required=True, help="The round's year, e.g. 2015.")
        parser.add_argument(
            "--reference-day",
            help="The day whose registry units took part (YYYY-MM-DD; default 1 December of the year).",
        )
        parser.add_argument("--mapping", help="A mapping (JSON) to use, confirmed by a person.")
        parser.add_argument(
            "--previous-mapping",
            help="Last year's mapping (JSON): columns of the same name start from its entries.",
        )
        parser.add_argument("--save-mapping", help="Write the mapping used (or suggested) to this JSON file.")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--dry-run", action="store_true", default=True, help="Report only (the default).")
        group.add_argument("--commit", action="store_true", help="Import when the dry run finds no problem.")
        parser.add_argument("--username", help="The staff account the import is recorded for.")

    def handle(self, *args, file: str, year: int, commit: bool, **options):
        path = Path(file)
        try:
            data_file = past_round_file_read(name=path.name, content=path.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        except UploadRefused as error:
            raise CommandError(error.message) from None
        if options["mapping"]:
            mapping = json.loads(Path(options["mapping"]).read_text(encoding="utf-8"))
            mapping["year"] = year
            if options["reference_day"]:
                mapping["reference_day"] = options["reference_day"]
        else:
            if commit:
                raise CommandError(
                    "--commit needs a --mapping a person has confirmed: run without --commit and with "
                    "--save-mapping first, check the suggestions, then pass the file back with --mapping."
                )
            import datetime

            previous = None
            if options["previous_mapping"]:
                previous = json.loads(Path(options["previous_mapping"]).read_text(encoding="utf-8"))
            day = datetime.date.fromisoformat(options["reference_day"]) if options["reference_day"] else None
            mapping = mapping_suggest(data_file=data_file, year=year, reference_day=day, previous=previous)
        if options["save_mapping"]:
            Path(options["save_mapping"]).write_text(
                json.dumps(mapping, ensure_ascii=False, indent=2), encoding="utf-8"
            )
            self.stdout.write(f"Mapping written to {options['save_mapping']}.")
        if not commit:
            plan = past_round_plan(data_file=data_file, mapping=mapping)
            self.stdout.write("\n".join(plan.report_lines()))
            if not plan.ok:
                raise CommandError("The dry run found problems; nothing was written.")
            self.stdout.write("Dry run only: nothing was written. Add --commit to import.")
            return
        user = None
        if options["username"]:
            user = get_user_model().objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"No staff account {options['username']}.")
        try:
            survey = past_round_import(data_file=data_file, mapping=mapping, imported_by=user)
        except PastRoundRefused as refused:
            self.stdout.write("\n".join(refused.plan.report_lines()))
            raise CommandError("The dry run found problems; nothing was written.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {survey.title}: {survey.responses.count()} responses, closed round {survey.pk}."
            )
        )
