"""The public privacy page: Bokmål, Nynorsk and English, the support address, a link in every footer."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "language, heading",
    [
        ("nb", "Personvern i kommuneundersøkelsen"),
        ("nn", "Personvern i kommuneundersøkinga"),
        ("en", "Privacy in the municipal survey"),
    ],
)
def test_the_privacy_page_speaks_three_languages_and_names_the_support_address(client, db, settings, language, heading):
    settings.SUPPORT_EMAIL = "personvern@example.no"
    client.cookies["django_language"] = language

    response = client.get(reverse("privacy"))

    page = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert 'href="mailto:personvern@example.no"' in page
    assert "730" in page


def test_every_page_links_to_the_privacy_page_in_its_footer(client, db):
    page = client.get(reverse("home")).content.decode()

    footer = page[page.index("<footer") :]
    assert f'href="{reverse("privacy")}"' in footer
