"""Mail and links say what the reader can do (issue 16): an invitation to a contact ends with the
lost-link page; a colleague given a section is told what the link lets them do (and gets no
lost-link line, which serves contacts only); the home page and the colleague's landing say so too."""

from django.urls import reverse

from surveys.services.invitations import delegation_create, invitation_email


def test_an_invitation_links_the_lost_link_page(chief, settings):
    invitation, token = chief
    body = invitation_email(invitation=invitation, token=token).body
    assert f"{settings.SITE_URL}{reverse('respondent-lost-link')}" in body
    assert "Mistet du e-posten eller lenken?" in body


def test_the_colleague_is_told_what_the_link_lets_them_do(client, chief):
    invitation, _token = chief
    intro = invitation.survey.questionnaire.sections.get(code="intro")
    delegation, delegated_token = delegation_create(
        invitation=invitation, section=intro, name="Per", email="per@b.example"
    )

    body = invitation_email(invitation=delegation, token=delegated_token).body
    assert "Du kan ikke gi den videre til andre; Kari Leder ser svarene dine." in body
    assert "Du kan gi deler" not in body and reverse("respondent-lost-link") not in body
    client.cookies["django_language"] = "nb"
    landing = client.get(reverse("respondent-landing", args=[delegated_token])).content.decode()
    assert "Kari Leder har gitt deg denne delen" in landing
    assert "Gi en del videre" not in landing


def test_the_home_page_links_the_lost_link_page(client, db):
    client.cookies["django_language"] = "nb"
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("respondent-lost-link")}"' in page
