"""What the platform reads from an ID token's claims: the provider's second factor (amr, acr
and Entra ID's acrs) and the role from the groups, also with Entra ID's group object ids."""

import pytest

from accounts.oidc.refusals import Reason, SignInRefused
from accounts.oidc.roles import role_from_claims
from accounts.oidc.tokens import second_factor_check


@pytest.mark.parametrize(
    "amr, acr, claims, allowed",
    [
        (["mfa"], [], {"amr": ["pwd", "mfa"]}, True),
        (["mfa"], [], {"amr": ["pwd"]}, False),
        (["mfa"], [], {}, False),
        ([], ["c1"], {"acrs": ["c1", "c2"]}, True),  # Entra ID's authentication contexts
        ([], ["substantial", "high"], {"acr": "high"}, True),
        ([], ["substantial", "high"], {"acr": "low", "amr": ["mfa"]}, False),
        (["mfa"], ["substantial"], {"amr": ["mfa"], "acr": "low"}, False),  # each setting must be met
        (["mfa"], ["substantial"], {"amr": ["mfa"], "acr": "substantial"}, True),
        (["mfa"], [], {"amr": "mfa"}, False),  # amr is a list, not a string to search in
    ],
)
def test_the_second_factor_must_show_in_the_token(settings, amr, acr, claims, allowed):
    settings.OIDC_REQUIRE_AMR, settings.OIDC_REQUIRE_ACR = amr, acr

    if allowed:
        second_factor_check(claims)
    else:
        with pytest.raises(SignInRefused) as refused:
            second_factor_check(claims)
        assert refused.value.reason == Reason.NO_SECOND_FACTOR


def test_groups_given_as_object_ids_map_to_roles(settings, region_vest):
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_GROUP_ROLES = [
        ("6a0c3f0e-analysts", "analyst"),
        ("9b1c77d2-vest", "regional_officer:vest"),
    ]

    assert role_from_claims({"groups": ["00000000-other", "9b1c77d2-vest"]}) == ("regional_officer", region_vest)
    assert role_from_claims({"groups": "6a0c3f0e-analysts"}) == ("analyst", None)
    with pytest.raises(SignInRefused) as refused:
        role_from_claims({"groups": ["officer:vest"]})  # the default pattern is not in this mapping
    assert refused.value.reason == Reason.UNKNOWN_GROUP


def test_an_officer_group_of_a_region_outside_the_scheme_in_force_gives_no_role(settings, db):
    from municipalities.services import region_scheme_create_per_county

    region_scheme_create_per_county()  # made, not put in force
    settings.OIDC_GROUPS_CLAIM = "roles"
    settings.OIDC_GROUP_ROLES = [("officer:*", "regional_officer:*")]

    with pytest.raises(SignInRefused) as refused:
        role_from_claims({"roles": ["officer:county-46"]})

    assert refused.value.reason == Reason.UNKNOWN_GROUP and "county-46" in refused.value.detail
