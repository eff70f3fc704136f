"""Reads of the registry for admin lists, staff pages and, later, analysis."""

from django.db.models import CharField, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from municipalities.models import Municipality, Region, RegionScheme, StaffProfile


def region_scheme_active() -> RegionScheme | None:
    return RegionScheme.objects.filter(is_active=True).first()


def staff_profile_list_bound_outside_scheme_in_force() -> QuerySet[StaffProfile]:
    """Regional officers whose region belongs to a scheme that is not in force: they see nothing."""
    return StaffProfile.objects.filter(
        role=StaffProfile.Role.REGIONAL_OFFICER, region__scheme__is_active=False
    ).select_related("user", "region__scheme")


def municipality_annotate_region(
    queryset: QuerySet[Municipality], *, scheme: RegionScheme | None
) -> QuerySet[Municipality]:
    """Adds `region_name` and `region_id` in the scheme, in the same query:
    a direct membership wins over the county's region."""
    if scheme is None:
        return queryset.annotate(
            region_name=Value(None, output_field=CharField()), region_id=Value(None, output_field=IntegerField())
        )
    direct = Region.objects.filter(scheme=scheme, municipalities=OuterRef("pk"))
    via_county = Region.objects.filter(scheme=scheme, counties=OuterRef("county"))
    return queryset.annotate(
        region_name=Coalesce(Subquery(direct.values("name")[:1]), Subquery(via_county.values("name")[:1])),
        region_id=Coalesce(Subquery(direct.values("pk")[:1]), Subquery(via_county.values("pk")[:1])),
    )
