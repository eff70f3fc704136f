# The survey fixtures (a small questionnaire of two sections, its draft round, Bergen) are the studio's too.
from tests.surveys.conftest import bergen, draft_round, quality_scale, small_questionnaire  # noqa: F401
