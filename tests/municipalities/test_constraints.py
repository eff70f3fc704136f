import datetime

import pytest
from django.db import IntegrityError, transaction

from municipalities.models import County, Municipality, MunicipalityProfile, RegionScheme, StaffProfile
from municipalities.services import staff_user_create


@pytest.fixture
def county(db) -> County:
    return County.objects.current().get(number="46")


def _unit(county, number, valid_from, valid_to=None, **extra):
    return Municipality.objects.create(
        number=number, name=f"Test {number}", county=county, valid_from=valid_from, valid_to=valid_to, **extra
    )


def test_a_number_cannot_be_used_by_two_units_valid_at_the_same_time(county):
    _unit(county, "4699", datetime.date(2024, 1, 1))

    with pytest.raises(IntegrityError, match="number_unique_while_valid"), transaction.atomic():
        _unit(county, "4699", datetime.date(2025, 1, 1))


def test_a_number_may_be_reused_after_the_earlier_unit_ended(county):
    _unit(county, "4698", datetime.date(2020, 1, 1), datetime.date(2023, 12, 31))

    _unit(county, "4698", datetime.date(2024, 1, 1))

    assert Municipality.objects.filter(number="4698").count() == 2


def test_an_existing_number_cannot_be_added_again_for_today(county):
    with pytest.raises(IntegrityError), transaction.atomic():
        _unit(county, "4601", datetime.date(2025, 1, 1))


def test_a_district_always_has_a_parent(county):
    with pytest.raises(IntegrityError, match="district_has_parent"), transaction.atomic():
        _unit(county, "460199", datetime.date(2024, 1, 1), kind=Municipality.Kind.DISTRICT)


def test_validity_ends_after_it_starts(county):
    with pytest.raises(IntegrityError, match="municipality_valid_to_after_valid_from"), transaction.atomic():
        _unit(county, "4697", datetime.date(2024, 1, 1), datetime.date(2023, 1, 1))


def test_one_profile_per_municipality_and_year(db):
    bergen = Municipality.objects.current().get(number="4601")

    with pytest.raises(IntegrityError, match="one_profile_per_municipality_and_year"), transaction.atomic():
        MunicipalityProfile.objects.create(municipality=bergen, year=2025)


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("centrality_class", 7, "profile_centrality_class_0_to_6"),
        ("immigrant_share", 101, "profile_immigrant_share_is_percent"),
    ],
)
def test_profile_values_stay_in_range(db, field, value, constraint):
    bergen = Municipality.objects.current().get(number="4601")

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        MunicipalityProfile.objects.create(municipality=bergen, year=2031, **{field: value})


def test_only_one_region_scheme_is_in_force(db):
    with pytest.raises(IntegrityError, match="one_active_region_scheme"), transaction.atomic():
        RegionScheme.objects.create(code="other", name="Other", is_active=True)


def test_a_regional_officer_needs_a_region_and_others_have_none(db, region_nord):
    from django.contrib.auth.models import User

    user = User.objects.create_user("someone", is_staff=True)
    with pytest.raises(IntegrityError, match="regional_officer_has_region"), transaction.atomic():
        StaffProfile.objects.create(user=user, role=StaffProfile.Role.REGIONAL_OFFICER)
    with pytest.raises(IntegrityError, match="regional_officer_has_region"), transaction.atomic():
        StaffProfile.objects.create(user=user, role=StaffProfile.Role.ANALYST, region=region_nord)


def test_the_staff_service_checks_the_role_before_saving(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        staff_user_create(username="x", password="pw-x-123456!", role="emperor")
