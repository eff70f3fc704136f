"""A chief executive's link gives sections to colleagues, and each gets an e-mail from the
platform's sender: never an open relay. Names are names, the text is the platform's, the day has
a limit per link and per municipality, a unit may allow only its own domains, and every
delegation, taken-back link and refusal is in the delegation log."""

import pytest
from django.urls import reverse

from surveys.models import DelegationEvent, Invitation
from surveys.services.invitations import delegation_create

PHISHING = "kollega. VIKTIG: Passordet ditt utløper, logg inn på https://evil.example innen i dag"


def _delegate(client, token, name="Per Hansen", email="per@bergen.example", section="intro"):
    return client.post(reverse("respondent-delegate", args=[token]), {"section": section, "name": name, "email": email})


@pytest.mark.parametrize(
    "name",
    [PHISHING, "Per www.evil.example", "evil.example", "Per 2", "https://x.example", "Ola: les dette", "a" * 101],
)
def test_a_name_that_is_not_a_name_is_refused_and_nothing_is_sent(
    client, chief, name, mailoutbox, django_capture_on_commit_callbacks
):
    _invitation, token = chief

    with django_capture_on_commit_callbacks(execute=True):
        reply = _delegate(client, token, name=name)

    assert reply.status_code == 400 and "Skriv navnet til kollegaen med bokstaver" in reply.content.decode()
    assert not Invitation.objects.filter(delegated_by__isnull=False).exists() and not mailoutbox


@pytest.mark.parametrize("name", ["Per", "Anne-Lise O'Neil", "K. J. Hansen", "Åse Sørli Ødegård", "Ánde Sárá"])
def test_names_as_people_write_them_are_given_a_link(client, chief, name):
    _invitation, token = chief

    assert _delegate(client, token, name=name).status_code == 302
    assert Invitation.objects.get(delegated_by__isnull=False).name == name


def test_the_colleagues_email_is_the_platforms_text_naming_the_giver_and_unit_not_the_typed_name(
    client, chief, mailoutbox, django_capture_on_commit_callbacks
):
    _invitation, token = chief

    with django_capture_on_commit_callbacks(execute=True):
        _delegate(client, token, name="Per Hansen")

    [message] = mailoutbox
    assert message.to == ["per@bergen.example"]
    assert message.body.startswith("Kari Leder i Bergen har gitt deg delen «Intro»")
    assert "Per Hansen" not in message.body and "Hei" not in message.body


def test_a_link_gives_at_most_its_daily_number_of_sections_then_says_so(client, chief, settings):
    invitation, token = chief
    settings.DELEGATIONS_PER_LINK_PER_DAY = 3
    for number in range(3):
        assert _delegate(client, token, email=f"c{number}@bergen.example").status_code == 302

    reply = _delegate(client, token, email="c4@bergen.example")

    page = client.get(reverse("respondent-landing", args=[token])).content.decode()
    assert reply.status_code == 302 and "Denne lenken har gitt bort 3 deler det siste døgnet" in page
    assert Invitation.objects.filter(delegated_by=invitation).count() == 3
    refused = DelegationEvent.objects.get(kind=DelegationEvent.Kind.REFUSED)
    assert refused.reason == "link_limit" and refused.giver == invitation and refused.email_domain == "bergen.example"


def test_a_municipality_gives_at_most_its_daily_number_of_sections_across_its_links(open_round, bergen, settings):
    from django.core.exceptions import ValidationError

    from surveys.services.invitations import invitation_create

    settings.DELEGATIONS_PER_MUNICIPALITY_PER_DAY = 2
    intro = open_round.questionnaire.sections.get(code="intro")
    links = [
        invitation_create(
            survey=open_round, municipality=bergen, role="chief_executive", name=f"Leder {n}", email=f"l{n}@b.no"
        )[0]
        for n in "AB"
    ]
    delegation_create(invitation=links[0], section=intro, name="Per", email="per@b.no")
    delegation_create(invitation=links[1], section=intro, name="Pål", email="pal@b.no")

    with pytest.raises(ValidationError) as refused:
        delegation_create(invitation=links[1], section=intro, name="Espen", email="espen@b.no")

    assert refused.value.code == "unit_limit" and "Bergen" in refused.value.messages[0]
    assert Invitation.objects.filter(delegated_by__isnull=False).count() == 2


def test_a_municipality_with_domains_gives_sections_only_to_them(client, chief, bergen):
    invitation, token = chief
    bergen.delegation_email_domains = "bergen.kommune.no, bergen.example"
    bergen.save()

    refused = _delegate(client, token, email="per@gmail.example")
    given = _delegate(client, token, email="per@Bergen.Kommune.no")

    page = client.get(reverse("respondent-landing", args=[token])).content.decode()
    assert refused.status_code == given.status_code == 302
    assert "gir bare deler av skjemaet til adresser som slutter på bergen.example, bergen.kommune.no" in page
    assert list(Invitation.objects.filter(delegated_by=invitation).values_list("email", flat=True)) == [
        "per@Bergen.Kommune.no"
    ]


def test_the_domains_can_be_taken_from_the_contacts(bergen):
    from municipalities.models import Contact, Municipality
    from municipalities.services import municipality_delegation_domains_from_contacts

    Contact.objects.create(municipality=bergen, name="Kari", role="chief_executive", email="kari@bergen.kommune.no")
    Contact.objects.create(municipality=bergen, name="Ina", role="schools", email="ina@Skole.Bergen.no")

    changed = municipality_delegation_domains_from_contacts(municipalities=Municipality.objects.filter(pk=bergen.pk))

    bergen.refresh_from_db()
    assert changed == 1 and bergen.delegation_domains == {"bergen.kommune.no", "skole.bergen.no"}


def test_every_delegation_and_every_link_taken_back_is_in_the_log(client, chief):
    invitation, token = chief
    _delegate(client, token)
    given = Invitation.objects.get(delegated_by=invitation)

    client.post(reverse("respondent-delegation-revoke", args=[token, given.pk]))

    events = list(DelegationEvent.objects.order_by("pk").values_list("kind", "giver", "delegation", "ip_address"))
    assert events == [
        ("given", invitation.pk, given.pk, "127.0.0.1"),
        ("revoked", invitation.pk, given.pk, "127.0.0.1"),
    ]
