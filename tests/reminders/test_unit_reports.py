"""The reports for each municipality on the chase board of a closed round: the regional officer sees
their region's units' reports, downloads one, and builds a failed one again."""

import pytest
from django.urls import reverse

from municipalities.models import Municipality
from surveys.models import MunicipalReport, Survey
from tests.factories import SurveyFactory
from tests.support import SignedInClient


@pytest.fixture
def closed_round(db) -> Survey:
    return SurveyFactory(year=2024, status=Survey.Status.CLOSED)


@pytest.fixture
def reports(closed_round, tromso, bergen) -> dict[str, MunicipalReport]:
    bindal = Municipality.objects.current().get(number="1811")
    done = {"status": "done", "progress": 100, "pdf": b"%PDF-1.4 Tromso", "page_count": 5}
    return {
        "tromso": MunicipalReport.objects.create(survey=closed_round, municipality=tromso, **done),
        "bindal": MunicipalReport.objects.create(
            survey=closed_round, municipality=bindal, status="failed", failure_message="Disk full"
        ),
        "bergen": MunicipalReport.objects.create(survey=closed_round, municipality=bergen, **done),
    }


@pytest.fixture
def officer_client(officer_nord) -> SignedInClient:
    client = SignedInClient()
    client.force_login(officer_nord)
    return client


def test_the_officer_sees_the_reports_of_their_regions_units_only(officer_client, closed_round, reports):
    page = officer_client.get(reverse("reminders-chase", args=[closed_round.pk]))

    rows = [(row.municipality.number, row.report.status) for row in page.context["unit_reports"]]
    assert rows == [("1811", "failed"), ("5501", "done")]  # Nord's; Bergen is Vest's
    html = page.content.decode()
    assert reverse("reminders-unit-report", args=[closed_round.pk, reports["tromso"].municipality_id]) in html
    assert "PDF, 5 " in html and "Bergen" not in html


def test_the_officer_downloads_a_report_of_the_region_and_no_other(officer_client, closed_round, reports, bergen):
    tromso_id = reports["tromso"].municipality_id

    download = officer_client.get(reverse("reminders-unit-report", args=[closed_round.pk, tromso_id]))
    other = officer_client.get(reverse("reminders-unit-report", args=[closed_round.pk, bergen.pk]))
    detail = officer_client.get(reverse("reminders-chase-detail", args=[closed_round.pk, tromso_id]))

    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 Tromso"
    assert other.status_code == 404
    assert reverse("reminders-unit-report", args=[closed_round.pk, tromso_id]) in detail.content.decode()


def test_a_failed_report_is_built_again_from_the_board(
    officer_client, closed_round, reports, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        "operations.outbox.task_publish", lambda task, kwargs: queued.append((task.name, kwargs)) or True
    )
    bindal_id = reports["bindal"].municipality_id

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(reverse("reminders-unit-report-build", args=[closed_round.pk, bindal_id]))

    again = MunicipalReport.objects.filter(survey=closed_round, municipality_id=bindal_id, status="queued").get()
    assert response.status_code == 302 and response["Location"].endswith("#unit-reports")
    assert queued == [("surveys.analytics.municipal_report_build", {"report_id": again.pk})]
    board = officer_client.get(reverse("reminders-chase", args=[closed_round.pk]))
    assert [row.report.pk for row in board.context["unit_reports"]][0] == again.pk  # the latest shows


def test_an_open_round_has_no_reports_to_build(officer_client, tromso):
    open_round = SurveyFactory(year=2025, status=Survey.Status.OPEN)

    board = officer_client.get(reverse("reminders-chase", args=[open_round.pk]))
    build = officer_client.post(reverse("reminders-unit-report-build", args=[open_round.pk, tromso.pk]))

    assert board.context["unit_reports"] is None and build.status_code == 404
    assert not MunicipalReport.objects.exists()


def test_a_rebuild_that_failed_leaves_the_earlier_report_to_download(officer_client, closed_round, reports):
    tromso = reports["tromso"].municipality
    MunicipalReport.objects.create(survey=closed_round, municipality=tromso, status="failed", failure_message="x")

    board = officer_client.get(reverse("reminders-chase", args=[closed_round.pk]))

    row = next(row for row in board.context["unit_reports"] if row.municipality == tromso)
    assert row.report.status == "failed" and row.ready == reports["tromso"]
    html = board.content.decode()
    assert reverse("reminders-unit-report", args=[closed_round.pk, tromso.pk]) in html
    assert reverse("reminders-unit-report-build", args=[closed_round.pk, tromso.pk]) in html
