"""The role a person's groups at the identity provider give, when OIDC_GROUPS_CLAIM is set.

OIDC_GROUP_ROLES maps groups to roles (settings.py parses it): `survey-admin=survey_admin`,
`analyst=analyst`, `officer:nord=regional_officer:nord`, or `officer:*=regional_officer:*` for
every region at once. Groups the mapping does not name are ignored (an organisation's provider
sends all of a person's groups); of the roles the others give, the widest wins.
"""

from django.conf import settings

from accounts.oidc.refusals import Reason, SignInRefused
from municipalities.models import Region, StaffProfile

# Widest first.
PRECEDENCE = [StaffProfile.Role.SURVEY_ADMIN, StaffProfile.Role.ANALYST, StaffProfile.Role.REGIONAL_OFFICER]


def claimed_groups(claims: dict) -> list[str]:
    """The groups claim as a list; SignInRefused(MISSING_CLAIM) without one."""
    value = claims.get(settings.OIDC_GROUPS_CLAIM)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(group, str) for group in value):
        raise SignInRefused(Reason.MISSING_CLAIM, settings.OIDC_GROUPS_CLAIM)
    return value


def _roles_of(group: str) -> list[tuple[str, str | None]]:
    """(role, region code) for each mapping entry the group matches."""
    found = []
    for pattern, role in settings.OIDC_GROUP_ROLES:
        role_name, _colon, region_code = role.partition(":")
        if pattern.endswith("*"):
            prefix = pattern[:-1]
            if group.startswith(prefix) and len(group) > len(prefix):
                found.append((role_name, group[len(prefix) :]))
        elif group == pattern:
            found.append((role_name, region_code or None))
    return found


def role_from_claims(claims: dict) -> tuple[str, Region | None]:
    """The role and, for a regional officer, the region of the scheme in force."""
    groups = claimed_groups(claims)
    candidates = [found for group in groups for found in _roles_of(group)]
    if not candidates:
        raise SignInRefused(Reason.UNKNOWN_GROUP, f"no group gives a role: {sorted(groups)[:20]}")
    role = min((role for role, _code in candidates), key=PRECEDENCE.index)
    if role != StaffProfile.Role.REGIONAL_OFFICER:
        return role, None
    codes = sorted({code for found_role, code in candidates if found_role == role})
    if len(codes) > 1:
        raise SignInRefused(Reason.UNKNOWN_GROUP, f"groups name several regions: {codes}")
    region = Region.objects.filter(scheme__is_active=True, code=codes[0]).select_related("scheme").first()
    if region is None:
        raise SignInRefused(Reason.UNKNOWN_GROUP, f"no region {codes[0]!r} in the scheme in force")
    return role, region
