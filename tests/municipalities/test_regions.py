"""Region schemes: one region per county, putting a scheme in force, officers bound to the scheme in force."""

import datetime

import pytest
from django.contrib.messages import constants as message_levels
from django.core.management import call_command
from django.urls import reverse

from municipalities.access import may_see_municipality, municipalities_in_region, municipalities_visible_to, staff_role
from municipalities.models import County, Municipality, Region, RegionScheme, StaffProfile
from municipalities.services import region_scheme_activate, region_scheme_create_per_county

TODAY = datetime.date.today()


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", password="pw-root-123!")


@pytest.fixture
def per_county(db) -> RegionScheme:
    return region_scheme_create_per_county()


def _messages(response, level):
    return [str(m) for m in response.context["messages"] if m.level == level]


def test_one_region_per_county_covers_every_current_unit_once_and_is_not_yet_in_force(per_county):
    counties = County.objects.current()
    regions = list(per_county.regions.prefetch_related("counties"))

    assert not per_county.is_active
    assert RegionScheme.objects.get(is_active=True).code == "imdi-2015"
    assert len(regions) == counties.count() == 15
    assert {(r.name, tuple(c.pk for c in r.counties.all())) for r in regions} == {(c.name, (c.pk,)) for c in counties}
    seen = [pk for r in regions for pk in municipalities_in_region(r).current().values_list("pk", flat=True)]
    assert len(seen) == len(set(seen)) == Municipality.objects.current().count() == 372


def test_creating_the_per_county_scheme_twice_gives_the_same_scheme(per_county):
    again = region_scheme_create_per_county()

    assert again.pk == per_county.pk
    assert again.regions.count() == 15
    assert RegionScheme.objects.filter(code__startswith="counties-").count() == 1


def test_a_scheme_for_another_day_follows_that_days_counties(db):
    scheme = region_scheme_create_per_county(day=datetime.date(2021, 6, 1))

    assert scheme.code == "counties-2021-06-01"
    assert scheme.regions.count() == County.objects.valid_on(datetime.date(2021, 6, 1)).count() == 11


def test_putting_a_scheme_in_force_retires_the_one_before(per_county):
    old = RegionScheme.objects.get(is_active=True)

    region_scheme_activate(scheme=per_county)

    old.refresh_from_db()
    assert per_county.is_active and not old.is_active
    assert list(RegionScheme.objects.filter(is_active=True)) == [per_county]
    region_scheme_activate(scheme=old)
    assert list(RegionScheme.objects.filter(is_active=True).values_list("code", flat=True)) == ["imdi-2015"]


def test_an_officer_bound_to_a_region_of_a_scheme_not_in_force_sees_nothing(client, officer_nord, tromso, per_county):
    # given: the officer of Nord (six-region scheme), and the per-county scheme put in force
    assert may_see_municipality(officer_nord, tromso)
    region_scheme_activate(scheme=per_county)
    officer_nord.refresh_from_db()

    # then: no role in effect, no municipality, no staff page, nothing in the admin
    assert staff_role(officer_nord) is None
    assert not municipalities_visible_to(officer_nord).exists()
    assert not may_see_municipality(officer_nord, tromso)
    client.force_login(officer_nord)
    assert client.get(reverse("municipality-list")).status_code == 403
    assert client.get(reverse("municipality-detail", args=[tromso.pk])).status_code == 403
    assert client.get(reverse("admin:municipalities_municipality_changelist")).status_code == 403


def test_an_officer_rebound_to_a_region_in_force_sees_that_region(client, officer_nord, tromso, bergen, per_county):
    region_scheme_activate(scheme=per_county)
    troms = per_county.regions.get(counties=tromso.county)
    StaffProfile.objects.filter(user=officer_nord).update(region=troms)
    officer_nord.refresh_from_db()

    assert staff_role(officer_nord) == StaffProfile.Role.REGIONAL_OFFICER
    assert may_see_municipality(officer_nord, tromso) and not may_see_municipality(officer_nord, bergen)
    assert set(municipalities_visible_to(officer_nord).current()) == set(municipalities_in_region(troms).current())


def test_the_admin_warns_about_officers_whose_region_is_not_in_force(client, superuser, officer_nord, per_county):
    client.force_login(superuser)
    url = reverse("admin:auth_user_change", args=[officer_nord.pk])
    assert _messages(client.get(url), message_levels.WARNING) == []

    # when: the per-county scheme is put in force from the admin
    response = client.post(
        reverse("admin:municipalities_regionscheme_changelist"),
        {"action": "make_active", "_selected_action": [per_county.pk]},
        follow=True,
    )

    # then: the action, the officer's page and the user list say the officer sees nothing
    warnings = _messages(response, message_levels.WARNING)
    assert len(warnings) == 1 and "1" in warnings[0] and per_county.name in warnings[0]
    on_page = _messages(client.get(url), message_levels.WARNING)
    assert len(on_page) == 1 and "Nord" in on_page[0] and "IMDi-regioner (2015)" in on_page[0]
    listing = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert listing.count("officer-nord") >= 1 and "regionen er ikke i bruk, ser ingenting" in listing


def test_the_admin_makes_one_region_per_county_in_one_click(client, survey_admin, analyst):
    url = reverse("admin:municipalities_regionscheme_per_county")

    client.force_login(analyst)
    assert client.post(url).status_code == 403
    client.force_login(survey_admin)
    assert client.get(url).status_code == 403, "only a POST creates"
    response = client.post(url)

    scheme = RegionScheme.objects.get(code=f"counties-{TODAY.isoformat()}")
    assert response.status_code == 302
    assert response.url == reverse("admin:municipalities_regionscheme_change", args=[scheme.pk])
    assert scheme.regions.count() == 15 and not scheme.is_active


def test_the_six_regions_ship_with_placeholder_office_addresses(db):
    addresses = dict(Region.objects.filter(scheme__code="imdi-2015").values_list("code", "office_email"))

    assert addresses == {
        code: f"regionkontor-{code}@example.no" for code in ("nord", "midt-norge", "vest", "sor", "ost", "indre-ost")
    }


def test_an_address_set_in_the_admin_survives_a_reimport_and_a_missing_one_is_filled(db, region_nord, region_vest):
    Region.objects.filter(pk=region_nord.pk).update(office_email="nord@imdi.example")
    Region.objects.filter(pk=region_vest.pk).update(office_email="")

    call_command("import_registry", verbosity=0)

    region_nord.refresh_from_db()
    region_vest.refresh_from_db()
    assert (region_nord.office_email, region_vest.office_email) == ("nord@imdi.example", "regionkontor-vest@example.no")
