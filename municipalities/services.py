"""Writes to the registry that are more than one row."""

import datetime

from django.contrib.auth.models import User
from django.db import transaction

from municipalities.models import Contact, County, Municipality, Region, RegionScheme, StaffProfile


@transaction.atomic
def region_scheme_activate(*, scheme: RegionScheme) -> RegionScheme:
    """Puts one scheme in force; the constraint allows only one at a time."""
    RegionScheme.objects.exclude(pk=scheme.pk).filter(is_active=True).update(is_active=False)
    scheme.is_active = True
    scheme.save(update_fields=["is_active", "updated_at"])
    return scheme


@transaction.atomic
def region_scheme_create_per_county(*, day: datetime.date | None = None) -> RegionScheme:
    """A new scheme, not yet in force, with one region per county valid on `day`."""
    day = day or datetime.date.today()
    code = f"counties-{day.isoformat()}"
    scheme, _created = RegionScheme.objects.get_or_create(
        code=code, defaults={"name": f"Fylker ({day.isoformat()})", "description": "One region per county."}
    )
    for county in County.objects.valid_on(day):
        region, _created = Region.objects.get_or_create(
            scheme=scheme, code=f"county-{county.number}", defaults={"name": county.name}
        )
        region.counties.add(county)
    return scheme


@transaction.atomic
def staff_user_create(
    *, username: str, password: str, role: str, region: Region | None = None, email: str = ""
) -> User:
    """A staff account with its role; regional officers need a region."""
    user = User.objects.create_user(username=username, password=password, email=email, is_staff=True)
    profile = StaffProfile(user=user, role=role, region=region)
    profile.full_clean()
    profile.save()
    return user


@transaction.atomic
def staff_role_set(*, user: User, role: str | None, region: Region | None = None) -> None:
    """Gives an account a role (None takes it away); the account is staff exactly while it has
    one, so that an account without a role reaches no staff page and not the admin."""
    if role is None:
        StaffProfile.objects.filter(user=user).delete()
    else:
        profile = StaffProfile.objects.filter(user=user).first() or StaffProfile(user=user)
        profile.role, profile.region = role, region
        profile.full_clean()
        profile.save()
    user._state.fields_cache.pop("staff_profile", None)  # the instance would answer with the old role
    is_staff = role is not None or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def municipality_delegation_domains_from_contacts(*, municipalities) -> int:
    """Limits the colleagues a chief executive can give sections to: the e-mail domains of each
    unit's active contacts become the unit's allowed domains. Units without contacts keep theirs.
    Returns how many units changed."""
    changed = 0
    for unit in municipalities:
        emails = Contact.objects.filter(municipality=unit, is_active=True).values_list("email", flat=True)
        domains = sorted({email.rsplit("@", 1)[1].lower() for email in emails if "@" in email})
        value = ", ".join(domains)[:300]
        if domains and value != unit.delegation_email_domains:
            Municipality.objects.filter(pk=unit.pk).update(delegation_email_domains=value)
            changed += 1
    return changed
