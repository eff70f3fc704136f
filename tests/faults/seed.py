"""Seeds a database for a fault test in another process: an open round on the demo
questionnaire and a chief executive's link per municipality. Run as

    DATABASE_URL=... python manage.py shell -c "from tests.faults.seed import main; main(['4601', '5501'])"

which prints {"4601": "<token>", ...} as JSON."""

import datetime
import json

from django.utils import timezone

from municipalities.models import Municipality
from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import Survey
from surveys.services.invitations import invitation_create
from surveys.services.rounds import survey_open


def seed(numbers: list[str]) -> dict[str, str]:
    now = timezone.now()
    survey = survey_open(
        survey=Survey.objects.create(
            year=2026,
            title="Kommuneundersøkelsen 2026",
            questionnaire=demo_questionnaire_create(year=2026),
            opens_at=now - datetime.timedelta(days=1),
            closes_at=now + datetime.timedelta(days=30),
        )
    )
    tokens = {}
    for number in numbers:
        unit = Municipality.objects.current().get(number=number)
        _invitation, tokens[number] = invitation_create(
            survey=survey,
            municipality=unit,
            role="chief_executive",
            name=f"Leder {number}",
            email=f"{number}@example.org",
        )
    return tokens


def main(numbers: list[str]) -> None:
    print(json.dumps(seed(numbers)))
