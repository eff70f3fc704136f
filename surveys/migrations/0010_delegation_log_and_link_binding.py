"""The delegation log, and a save through a link bound to what the link is for.

The save function was made to check also that the response is the link's round's and
municipality's, the section one of the round's questionnaire that the link opens, and the
question in it; the function's text is now kept in surveys/fastpath/sql/ and made by 0012.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0009_answer_save_function"),
    ]

    operations = [
        # The save function now asks this of its link; migration 0012 makes it from surveys/fastpath/sql/.
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
        migrations.CreateModel(
            name="DelegationEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("given", "link given"), ("revoked", "link taken back"), ("refused", "refused")],
                        max_length=20,
                        verbose_name="event",
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=40, verbose_name="reason")),
                ("email_domain", models.CharField(blank=True, max_length=254, verbose_name="e-mail domain")),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="when")),
                (
                    "delegation",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="surveys.invitation",
                        verbose_name="link given",
                    ),
                ),
                (
                    "giver",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="delegation_events",
                        to="surveys.invitation",
                        verbose_name="given from",
                    ),
                ),
            ],
            options={
                "verbose_name": "delegation event",
                "verbose_name_plural": "delegation log",
                "ordering": ["-created_at", "-pk"],
            },
        ),
    ]
