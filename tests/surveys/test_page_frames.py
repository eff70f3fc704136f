"""A section page filled into its frame (surveys.fastpath.frames) is the page its plain twin, the
template drawn in full, draws."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from municipalities.models import Municipality, MunicipalityProfile
from surveys.fastpath.frames import frame_fill, frame_split, marker
from surveys.respondent import pages as section_pages
from surveys.services.invitations import invitation_create

pytestmark = pytest.mark.fastpath

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _drawn_in_full(request, template_name, context, *, key, slots):
    from django.template.loader import render_to_string

    return render_to_string(template_name, {**context, **slots}, request)


def _page(client: Client, token: str, section: str, language: str) -> str:
    client.cookies["django_language"] = language
    reply = client.get(reverse("respondent-section", args=[token, section]))
    assert reply.status_code == 200
    # the CSRF token is masked anew on every page
    return CSRF.sub('name="csrfmiddlewaretoken" value="…"', reply.content.decode())


@pytest.fixture
def links(open_round, bergen):
    tromso = Municipality.objects.current().get(number="5501")
    Municipality.objects.filter(pk=tromso.pk).update(name='Tromsø & <"Romsa">')
    MunicipalityProfile.objects.update_or_create(municipality=tromso, year=2025, defaults={"settles_refugees": True})
    made = {}
    for unit in (bergen, tromso):
        made[unit.number] = invitation_create(
            survey=open_round, municipality=unit, role="chief_executive", name="Kari", email=f"k{unit.number}@x.no"
        )[1]
    return made


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_a_filled_frame_is_the_page_drawn_in_full(links, language, monkeypatch, admin_user):
    for staff in (False, True):
        for number, token in links.items():
            for section in ("intro", "chief"):
                framed_client, full_client = Client(), Client()
                if staff:
                    framed_client.force_login(admin_user)
                    full_client.force_login(admin_user)
                framed = _page(framed_client, token, section, language)
                with monkeypatch.context() as patch:
                    patch.setattr(section_pages, "render_framed", _drawn_in_full)
                    full = _page(full_client, token, section, language)
                assert framed == full, (number, section, staff)
                if number == "5501":
                    assert "Tromsø &amp; &lt;&quot;Romsa&quot;&gt;" in framed and 'Tromsø & <"' not in framed


def test_the_second_link_on_a_section_fills_the_frame_the_first_drew(links, monkeypatch):
    drawn = []
    real = section_pages.render_framed.__globals__["render_to_string"]
    monkeypatch.setitem(
        section_pages.render_framed.__globals__,
        "render_to_string",
        lambda *args, **kwargs: drawn.append(args[0]) or real(*args, **kwargs),
    )

    pages = [_page(Client(), token, "chief", "nb") for token in links.values()]

    assert drawn == ["respondent/section.html"]
    assert all(token in page for token, page in zip(links.values(), pages, strict=True))


def test_a_page_with_a_message_shows_it_once(links):
    client = Client()
    client.cookies["django_language"] = "en"
    token = links["4601"]
    client.post(reverse("respondent-submit", args=[token]), {"section": "intro", "confirm": "1"})  # "Thank you!" waits

    first = _page(client, token, "chief", "en")
    again = _page(client, token, "chief", "en")

    assert "Thank you! The answers have been submitted." in first
    assert "Thank you!" not in again


def test_a_frame_must_hold_every_slot_and_no_other():
    html = f"<a href='/r/{marker('token')}/'>{marker('name')}</a>"
    parts = frame_split(html, ["token", "name"])

    assert frame_fill(parts, {"token": "abc", "name": "Bø & co"}) == "<a href='/r/abc/'>Bø &amp; co</a>"
    with pytest.raises(ValueError):
        frame_split(html, ["token", "name", "progress"])
    with pytest.raises(ValueError):
        frame_split(html, ["token"])


def test_nobody_staff_or_not_sees_anothers_menu(links, admin_user):
    staff_client = Client()
    staff_client.force_login(admin_user)
    as_staff = _page(staff_client, links["4601"], "chief", "nb")
    as_respondent = _page(Client(), links["4601"], "chief", "nb")

    staff_link = reverse("staff-home")
    assert f'href="{staff_link}"' in as_staff and f'href="{staff_link}"' not in as_respondent
