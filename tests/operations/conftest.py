"""An open round on the demo questionnaire and Bergen's chief executive's link (tests/scenarios.py)."""

import pytest

from surveys.models import Survey
from tests.scenarios import chief_link_create
from tests.support import demo_round_open


@pytest.fixture
def open_round(db) -> Survey:
    return demo_round_open()


@pytest.fixture
def chief_token(open_round) -> str:
    _invitation, token = chief_link_create(open_round)
    return token
