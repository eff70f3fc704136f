"""A round with people in it (tests/scenarios.py: round_with_people_create): contacts, their links
(one delegated), answers and their audit trail, messages sent by the schedule and a chase log that
names them."""

import pytest

from tests.scenarios import RoundWithPeople, round_with_people_create


@pytest.fixture
def people(db) -> RoundWithPeople:
    return round_with_people_create()
