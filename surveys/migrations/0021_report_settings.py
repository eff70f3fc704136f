"""What the round's reports show of each question: its breakdowns by background variable and whether
its quotes carry names (ReportQuestionSetting), and the open answers an analyst chose to quote, at
most three per question and round (ReportQuote)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import surveys.models.analytics


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0020_municipal_reports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportQuestionSetting",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "breakdowns",
                    models.JSONField(
                        blank=True,
                        default=list,
                        validators=[surveys.models.analytics.report_breakdowns_validate],
                        verbose_name="breakdowns",
                    ),
                ),
                (
                    "quotes_with_names",
                    models.BooleanField(
                        default=False,
                        help_text="Off: the quotes are anonymised, names of municipalities in their text replaced.",
                        verbose_name="quotes with the units' names",
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="surveys.question",
                        verbose_name="question",
                    ),
                ),
                (
                    "survey",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="report_settings",
                        to="surveys.survey",
                        verbose_name="round",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="changed by",
                    ),
                ),
            ],
            options={
                "verbose_name": "report setting of a question",
                "verbose_name_plural": "report settings of questions",
                "ordering": ["survey", "question__code"],
                "constraints": [
                    models.UniqueConstraint(fields=("survey", "question"), name="report_setting_one_per_question")
                ],
            },
        ),
        migrations.CreateModel(
            name="ReportQuote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                ("position", models.PositiveSmallIntegerField(verbose_name="position")),
                (
                    "answer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="report_quote",
                        to="surveys.answer",
                        verbose_name="answer",
                    ),
                ),
                (
                    "chosen_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="chosen by",
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="surveys.question",
                        verbose_name="question",
                    ),
                ),
                (
                    "survey",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="surveys.survey",
                        verbose_name="round",
                    ),
                ),
            ],
            options={
                "verbose_name": "quote in the report",
                "verbose_name_plural": "quotes in the report",
                "ordering": ["survey", "question", "position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("survey", "question", "position"), name="report_quote_position_unique"
                    ),
                    models.CheckConstraint(condition=models.Q(("position__lt", 3)), name="report_quote_at_most_three"),
                ],
            },
        ),
    ]
