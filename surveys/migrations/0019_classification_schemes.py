"""Classification schemes per profile year: the bands become the classes of a scheme, and Statistics
Norway's two centrality standards are seeded (2008: four levels, codes 0-3; 2020: six levels, 1-6).

The registry's 2019 profiles already carry the 2020 standard's classes (KLASS 128, see
municipalities/data/README.md), so that scheme is in force from profile year 2019."""

import django.db.models.deletion
from django.db import migrations, models

CENTRALITY_2008 = [  # most central first; SSB's code, its name
    (3, "Sentrale kommuner"),
    (2, "Noe sentrale kommuner"),
    (1, "Mindre sentrale kommuner"),
    (0, "Minst sentrale kommuner"),
]
CENTRALITY_2020 = [
    (1, "1 Mest sentrale"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5"),
    (6, "6 Minst sentrale"),
]


def schemes_seed(apps, schema_editor):
    scheme_model = apps.get_model("surveys", "ClassificationScheme")
    band_model = apps.get_model("surveys", "AnalysisBand")
    for variable, name in (("population", "Innbyggertall"), ("immigrant_share", "Innvandrerandel")):
        scheme = scheme_model.objects.create(variable=variable, name=name, in_force_from=1990)
        band_model.objects.filter(variable=variable).update(scheme=scheme)
    for name, year, source, classes in (
        ("SSB sentralitet 2008 (fire nivåer)", 2008, "SSB, standard for sentralitet 2008", CENTRALITY_2008),
        ("SSB sentralitetsindeks 2020 (seks nivåer)", 2019, "SSB KLASS 128, 2020", CENTRALITY_2020),
    ):
        scheme = scheme_model.objects.create(variable="centrality", name=name, in_force_from=year, source=source)
        band_model.objects.bulk_create(
            band_model(scheme=scheme, label=label, lower=code, upper=code + 1, position=position)
            for position, (code, label) in enumerate(classes, start=1)
        )


def schemes_unseed(apps, schema_editor):
    band_model = apps.get_model("surveys", "AnalysisBand")
    for band in band_model.objects.select_related("scheme"):
        band.variable = band.scheme.variable
        band.save(update_fields=["variable"])
    band_model.objects.filter(variable="centrality").delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0018_analysis_units_apart")]

    operations = [
        migrations.CreateModel(
            name="ClassificationScheme",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "variable",
                    models.CharField(
                        choices=[
                            ("population", "population"),
                            ("immigrant_share", "immigrant share (%)"),
                            ("centrality", "centrality class"),
                        ],
                        max_length=30,
                        verbose_name="variable",
                    ),
                ),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                (
                    "in_force_from",
                    models.PositiveSmallIntegerField(
                        help_text="Profile years from this year on use this scheme, until a later scheme of the same variable.",
                        verbose_name="in force from (profile year)",
                    ),
                ),
                ("source", models.CharField(blank=True, max_length=200, verbose_name="source")),
            ],
            options={
                "verbose_name": "classification scheme",
                "verbose_name_plural": "classification schemes",
                "ordering": ["variable", "in_force_from"],
                "constraints": [
                    models.UniqueConstraint(fields=("variable", "in_force_from"), name="classification_one_per_year")
                ],
            },
        ),
        migrations.RemoveConstraint(model_name="analysisband", name="analysis_band_position_unique"),
        migrations.RemoveConstraint(model_name="analysisband", name="analysis_band_label_unique"),
        migrations.AddField(
            model_name="analysisband",
            name="scheme",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="bands",
                to="surveys.classificationscheme",
                verbose_name="scheme",
            ),
        ),
        migrations.RunPython(schemes_seed, schemes_unseed),
        migrations.RemoveField(model_name="analysisband", name="variable"),
        migrations.AlterField(
            model_name="analysisband",
            name="scheme",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="bands",
                to="surveys.classificationscheme",
                verbose_name="scheme",
            ),
        ),
        migrations.AlterModelOptions(
            name="analysisband",
            options={"ordering": ["scheme", "position"], "verbose_name": "class", "verbose_name_plural": "classes"},
        ),
        migrations.AddConstraint(
            model_name="analysisband",
            constraint=models.UniqueConstraint(
                fields=("scheme", "position"), name="analysis_band_scheme_position_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="analysisband",
            constraint=models.UniqueConstraint(fields=("scheme", "label"), name="analysis_band_scheme_label_unique"),
        ),
    ]
