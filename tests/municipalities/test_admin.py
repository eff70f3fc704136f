"""The registry in the admin: what is valid today, search and filters with their counts."""

import pytest
from django.urls import reverse

from municipalities.access import municipalities_in_region
from municipalities.models import Municipality, MunicipalityProfile, Region

MUNICIPALITIES = reverse("admin:municipalities_municipality_changelist")


@pytest.fixture
def admin_client(client, survey_admin):
    client.force_login(survey_admin)
    return client


def _listed(admin_client, url=MUNICIPALITIES, **params) -> set[str]:
    changelist = admin_client.get(url, params).context["cl"]
    return {unit.number for unit in changelist.queryset}


def test_the_admin_lists_357_municipalities_and_15_districts_in_15_counties_and_6_regions_valid_today(admin_client):
    units = admin_client.get(MUNICIPALITIES)
    municipalities = admin_client.get(MUNICIPALITIES, {"kind__exact": "municipality"}).context["cl"]
    districts = admin_client.get(MUNICIPALITIES, {"kind__exact": "district"}).context["cl"]
    counties = admin_client.get(reverse("admin:municipalities_county_changelist")).context["cl"]
    active = Region.objects.filter(scheme__is_active=True).first().scheme_id
    regions = admin_client.get(reverse("admin:municipalities_region_changelist"), {"scheme__id__exact": active})

    assert units.context["cl"].result_count == 372
    assert (municipalities.result_count, districts.result_count) == (357, 15)
    assert {unit.kind for unit in districts.queryset} == {"district"}
    assert counties.result_count == 15
    assert regions.context["cl"].result_count == 6
    page = units.content.decode()
    assert "(357)" in page and "(15)" in page, "the kind filter shows its counts"


def test_the_admin_searches_by_number_name_and_county(admin_client):
    assert _listed(admin_client, q="4601") == {"4601"}
    assert "4601" in _listed(admin_client, q="Bergen")
    vestland = _listed(admin_client, q="Vestland")
    assert "4601" in vestland and "5501" not in vestland
    assert vestland == set(
        Municipality.objects.current().filter(county__name="Vestland").values_list("number", flat=True)
    )


def test_the_admin_searches_by_region_name(admin_client, region_nord):
    midt = Region.objects.get(scheme__is_active=True, code="midt-norge")
    expected = set(municipalities_in_region(midt).current().values_list("number", flat=True))

    assert _listed(admin_client, q="Midt-Norge") == expected and len(expected) > 30
    nord = _listed(admin_client, q="Nord")
    assert "5501" in nord, "Tromsø is in region Nord"
    assert set(municipalities_in_region(region_nord).current().values_list("number", flat=True)) <= nord


def test_the_admin_filters_by_kind_region_and_settling(admin_client, region_nord, bergen, tromso):
    for unit, settles in ((bergen, True), (tromso, False)):
        MunicipalityProfile.objects.update_or_create(
            municipality=unit, year=2030, defaults={"settles_refugees": settles}
        )

    in_nord = _listed(admin_client, region=region_nord.pk)
    assert len(in_nord) == 80 and "5501" in in_nord and "4601" not in in_nord
    assert _listed(admin_client, settles="yes") == {"4601"}
    assert _listed(admin_client, settles="no") == {"5501"}
    assert len(_listed(admin_client, kind__exact="district", q="Gamle")) == 1
    page = admin_client.get(MUNICIPALITIES, {"region": region_nord.pk}).content.decode()
    assert "Nord (80)" in page and "(1)" in page


def test_search_and_filters_combine(admin_client, region_nord):
    assert _listed(admin_client, region=region_nord.pk, q="Tromsø") == {"5501"}
    assert _listed(admin_client, region=region_nord.pk, q="Bergen") == set()


@pytest.mark.parametrize("value", ["abc", "1.5", "²", "9" * 30, "-1", ""])
@pytest.mark.parametrize(
    "changelist",
    ["municipality", "contact", "municipalityprofile"],
)
def test_a_region_filter_that_is_not_a_region_is_ignored(admin_client, changelist, value):
    url = reverse(f"admin:municipalities_{changelist}_changelist")

    reply = admin_client.get(url, {"region": value}, follow=True)

    assert reply.status_code == 200
    assert reply.redirect_chain in ([], [(f"{url}?e=1", 302)])
