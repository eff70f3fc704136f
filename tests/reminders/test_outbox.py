from django.core.mail import send_mail
from django.urls import reverse


def test_the_outbox_page_lists_mail_written_by_the_embedded_default(client, survey_admin, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    send_mail("Påminnelse om undersøkelsen", "Hei <b>Kari</b>", "from@example.no", ["kari@example.no"])
    client.force_login(survey_admin)

    page = client.get(reverse("outbox")).content.decode()

    assert "Påminnelse om undersøkelsen" in page
    assert "kari@example.no" in page
    assert "Hei &lt;b&gt;Kari&lt;/b&gt;" in page
