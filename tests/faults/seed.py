"""Seeds a database for a fault test in another process: an open round on the demo
questionnaire and a chief executive's link per municipality. Run as

    DATABASE_URL=... python manage.py shell -c "from tests.faults.seed import main; main(['4601', '5501'])"

which prints {"4601": "<token>", ...} as JSON."""

import json

from municipalities.models import Municipality
from surveys.services.invitations import invitation_create
from tests.support import demo_round_open


def seed(numbers: list[str]) -> dict[str, str]:
    survey = demo_round_open(days_open=1, settling=())
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
