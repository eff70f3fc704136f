"""The files of a 2015-like round (made by tests/past_rounds/files.py) and the demo's bank."""

import pytest

from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.past_rounds.reading import past_round_file_read
from tests.past_rounds.files import round_2015_write


@pytest.fixture
def demo_bank(db):
    """The demo questionnaire's questions in the bank (a draft questionnaire holds them)."""
    return demo_questionnaire_create(year=2099, earlier=True)


@pytest.fixture
def files_2015(db, tmp_path):
    return round_2015_write(tmp_path)


@pytest.fixture
def sav_2015(files_2015):
    path = files_2015[0]
    return past_round_file_read(name=path.name, content=path.read_bytes())


@pytest.fixture
def xlsx_2015(files_2015):
    path = files_2015[1]
    return past_round_file_read(name=path.name, content=path.read_bytes())
