"""The response-rate monitor's comparison with last year: both rounds' cumulative responding
units per day since each one's opening, and each year's reminder sends marked on their day."""

import datetime

import pytest
from django.urls import reverse

from municipalities.models import Municipality
from reminders.models import Dispatch
from reminders.selectors import response_monitor
from reminders.services import dispatch_send, reminders_fan_out_due
from surveys.models import Survey
from tests.scenarios import at, last_year_round_closed, submitted_on


@pytest.fixture
def this_year(three_rules, contacts, units) -> Survey:
    """2027: the invitation on opening day; Bergen responds on day 3, Tromsø on day 5."""
    for dispatch_id in reminders_fan_out_due(now=at(0)):
        dispatch_send(dispatch_id=dispatch_id)
    Dispatch.objects.update(sent_at=at(0))
    submitted_on(three_rules, units["bergen"], at(3))
    submitted_on(three_rules, units["tromso"], at(5))
    return three_rules


@pytest.fixture
def last_year(this_year, contacts, units) -> Survey:
    """2026, closed: the invitation to Bergen, Bodø and Gamle Oslo on opening day, a reminder to
    Bodø on day 7 (and a failed one on day 8, which is no mark); Bergen and Gamle Oslo respond on
    day 1, Bodø on day 10."""
    return last_year_round_closed(
        sends=[
            ("Invitasjon", contacts["bergen_chief"], 0, Dispatch.Status.SENT),
            ("Invitasjon", contacts["bodo_chief"], 0, Dispatch.Status.SENT),
            ("Invitasjon", contacts["gamle_oslo_chief"], 0, Dispatch.Status.SENT),
            ("Første påminnelse", contacts["bodo_chief"], 7, Dispatch.Status.SENT),
            ("Første påminnelse", contacts["tromso_chief"], 8, Dispatch.Status.FAILED),
        ],
        submissions=[(units["bergen"], 1), (units["gamle_oslo"], 1), (units["bodo"], 10)],
    )


def test_both_years_are_counted_per_day_since_opening_with_their_reminders(last_year, this_year):
    monitor = response_monitor(survey=this_year, units=Municipality.objects.all(), today=at(5).date())
    days = monitor.aligned_days()

    # this year day 0 to day 5 (today); last year its whole field period, day 0 to day 52
    assert [row.this_year[1] for row in days[:6]] == [0, 0, 0, 1, 1, 2]
    assert all(row.this_year is None for row in days[6:])
    assert [row.last_year[1] for row in days] == [0] + [2] * 9 + [3] * 43
    assert len(days) == 53
    assert days[10].last_year[0] == datetime.date(2026, 3, 12) and days[3].this_year[0] == datetime.date(2027, 3, 4)
    assert monitor.last_year.units == Municipality.objects.valid_on(datetime.date(2026, 3, 2)).count()
    assert days[10].last_year_percent == round(100 * 3 / monitor.last_year.units)
    invited = Dispatch.objects.filter(survey=this_year, status=Dispatch.Status.SENT).count()
    assert [(mark.day, mark.label, mark.sent) for mark in monitor.curve.sends] == [
        (datetime.date(2027, 3, 1), "Invitasjon", invited)
    ]
    assert [(mark.day, mark.label, mark.sent) for mark in monitor.last_year.sends] == [
        (datetime.date(2026, 3, 2), "Invitasjon", 3),
        (datetime.date(2026, 3, 9), "Første påminnelse", 1),
    ]


def test_last_year_counts_only_the_units_the_viewer_sees(last_year, this_year, units):
    north = Municipality.objects.filter(pk__in=[units["tromso"].pk, units["bodo"].pk])
    monitor = response_monitor(survey=this_year, units=north, today=at(5).date())

    assert monitor.last_year.units == 2
    assert monitor.last_year.cumulative[-1][1] == 1  # Bodø; Bergen and Gamle Oslo are elsewhere
    # Bodø's invitation and reminder; Tromsø's failed reminder is no mark
    assert [(mark.label, mark.sent) for mark in monitor.last_year.sends] == [
        ("Invitasjon", 1),
        ("Første påminnelse", 1),
    ]


def test_the_page_draws_both_curves_and_marks_in_a_flat_number_of_queries(
    client, last_year, this_year, survey_admin, django_assert_max_num_queries
):
    client.force_login(survey_admin)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("reminders-monitor", args=[this_year.pk])).content.decode()

    assert page.count("<polyline") == 2  # this year's curve and last year's
    assert 'stroke="#595959" stroke-width="2" stroke-dasharray="7 4"' in page  # last year's dashed line
    assert "2026, i fjor" in page and "Påminnelser 2026" in page and "a: 2.3.2026 – Invitasjon" in page
    assert "b: 9.3.2026 – Første påminnelse" in page
    assert "1: 1.3.2027 – Invitasjon" in page
    assert 'id="figures-per-day"' in page and "<td>12.3.2026</td>" in page
    assert "Ingen avsluttet runde" not in page


def test_without_last_year_only_this_year_is_drawn_and_the_page_says_so(client, this_year, survey_admin):
    client.force_login(survey_admin)
    page = client.get(reverse("reminders-monitor", args=[this_year.pk])).content.decode()

    assert page.count("<polyline") == 1
    assert "Det finnes ingen avsluttet runde fra 2026" in page
    assert "2026, i fjor" not in page and "Påminnelser 2026" not in page
