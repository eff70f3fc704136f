import datetime
import shutil

import pytest
from django.core.management import CommandError, call_command

from municipalities.access import municipalities_in_region
from municipalities.models import County, Municipality, MunicipalityChange, MunicipalityProfile, Region, RegionScheme
from municipalities.registry_import import DATA_DIR

TODAY = datetime.date.today()


def test_the_current_registry_has_357_municipalities_15_districts_15_counties_and_6_regions(db):
    current = Municipality.objects.current()

    assert current.filter(kind=Municipality.Kind.MUNICIPALITY).count() == 357
    assert current.filter(kind=Municipality.Kind.DISTRICT).count() == 15
    assert County.objects.current().count() == 15
    assert Region.objects.filter(scheme__is_active=True).count() == 6


def test_every_current_unit_is_in_exactly_one_region(db):
    counts = {}
    for region in Region.objects.filter(scheme__is_active=True):
        for unit_id in municipalities_in_region(region).current().values_list("pk", flat=True):
            counts[unit_id] = counts.get(unit_id, 0) + 1

    assert len(counts) == 372
    assert set(counts.values()) == {1}


@pytest.mark.parametrize(
    ("day", "expected"), [("2016-06-01", 428), ("2017-06-01", 426), ("2019-06-01", 422), ("2021-06-01", 356)]
)
def test_earlier_structures_are_reconstructed_from_the_lists_and_the_change_table(db, day, expected):
    units = Municipality.objects.valid_on(datetime.date.fromisoformat(day)).filter(kind=Municipality.Kind.MUNICIPALITY)

    assert units.count() == expected


def test_reform_links_follow_a_unit_through_renumbering_merger_and_split(db):
    halden_2019 = Municipality.objects.valid_on(datetime.date(2019, 6, 1)).get(number="0101")
    halden_2020 = halden_2019.successors.get()
    assert (halden_2020.number, halden_2020.successors.get().number) == ("3001", "3101")

    alesund_2020 = Municipality.objects.valid_on(datetime.date(2021, 1, 1)).get(number="1507")
    assert sorted(alesund_2020.successors.values_list("number", flat=True)) == ["1508", "1580"]

    stavanger = Municipality.objects.current().get(number="1103")
    assert {"1103", "1141", "1142"} <= set(stavanger.predecessors.values_list("number", flat=True))


def test_official_sami_names_and_district_parents_are_kept(db):
    assert Municipality.objects.current().get(number="5610").name == "Kárášjohka - Karasjok"
    district = Municipality.objects.get(number="030101")
    assert (district.name, district.parent.number, district.county.number) == ("Gamle Oslo", "0301", "03")


def test_profiles_hold_population_and_centrality_per_year(db):
    profile = MunicipalityProfile.objects.get(municipality__number="5501", year=2025)

    assert (profile.population, profile.centrality_class) == (79421, 3)
    assert MunicipalityProfile.objects.filter(municipality__number="030112", year=2026).exists()


REGISTRY_TABLES = [
    County,
    RegionScheme,
    Region,
    Region.counties.through,
    Region.municipalities.through,
    Municipality,
    MunicipalityChange,
    MunicipalityProfile,
]


def _registry_snapshot() -> dict[str, list[dict]]:
    """Every row of every registry table, with every column (updated_at included)."""
    return {model._meta.db_table: list(model.objects.order_by("pk").values()) for model in REGISTRY_TABLES}


def test_a_second_import_changes_nothing_in_any_table_and_says_so(db, capsys):
    # given: the registry as the session's import left it
    before = _registry_snapshot()
    assert all(before.values()), "every table has rows to compare"

    # when
    call_command("import_registry")

    # then
    out = capsys.readouterr().out
    assert "No changes: the registry is already up to date." in out and "created" not in out
    after = _registry_snapshot()
    for table, rows in before.items():
        assert after[table] == rows, f"{table} changed"


def test_an_admins_changes_to_the_region_scheme_survive_a_reimport(db, region_nord, region_vest):
    # given: an admin moved Vestland's current county from Vest to Nord
    vestland = County.objects.current().get(number="46")
    region_vest.counties.remove(vestland)
    region_nord.counties.add(vestland)

    # when
    call_command("import_registry", verbosity=0)

    # then
    assert not region_vest.counties.filter(pk=vestland.pk).exists()
    assert region_nord.counties.filter(pk=vestland.pk).exists()


def _copy_data(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _replace_line(path, line_number, transform):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line_number - 1] = transform(lines[line_number - 1])
    path.write_text("".join(lines), encoding="utf-8")


def _empty_registry():
    RegionScheme.objects.all().delete()
    MunicipalityProfile.objects.all().delete()
    MunicipalityChange.objects.all().delete()
    Municipality.objects.filter(kind=Municipality.Kind.DISTRICT).delete()
    Municipality.objects.all().delete()
    County.objects.all().delete()


def test_an_import_with_one_bad_row_names_file_line_and_column_and_writes_nothing(db, tmp_path):
    # given: an empty registry and the shipped files with one bad population on line 10 of the
    # last list, which is read after everything else would otherwise have been loaded
    _empty_registry()
    data = _copy_data(tmp_path)
    _replace_line(data / "oslo_districts.csv", 10, lambda line: line.replace(line.split(",")[3], "many", 1))

    # when
    with pytest.raises(CommandError) as error:
        call_command("import_registry", data_dir=data)

    # then
    assert "oslo_districts.csv, line 10, column 'population'" in str(error.value)
    assert "'many' is not a whole number" in str(error.value)
    assert Municipality.objects.count() == County.objects.count() == RegionScheme.objects.count() == 0


@pytest.mark.parametrize(
    ("file_name", "line", "transform", "expected"),
    [
        ("municipalities_2024.csv", 5, lambda s: "12x4" + s[4:], "municipalities_2024.csv, line 5, column 'number'"),
        (
            "municipalities_2020.csv",
            4,
            lambda s: s.replace(",2,", ",9,", 1),
            "column 'centrality_class': 9 is outside 1–6",
        ),
        ("municipality_changes.csv", 5, lambda s: s.replace("2018-01-01", "2018-13-01"), "line 5, column 'valid_from'"),
        ("imdi_regions.csv", 2, lambda s: s.replace("IMDi Øst", "IMDi Atlantis"), "unknown region 'IMDi Atlantis'"),
        ("municipalities_2019.csv", 7, lambda s: s.rsplit(",", 2)[0] + "\n", "line 7: wrong number of fields"),
    ],
)
def test_each_kind_of_bad_value_is_reported_where_it_is(db, tmp_path, file_name, line, transform, expected):
    data = _copy_data(tmp_path)
    _replace_line(data / file_name, line, transform)
    counts_before = (Municipality.objects.count(), MunicipalityProfile.objects.count())

    with pytest.raises(CommandError, match="Nothing was imported") as error:
        call_command("import_registry", data_dir=data)

    assert expected in str(error.value)
    assert (Municipality.objects.count(), MunicipalityProfile.objects.count()) == counts_before


def test_a_missing_column_is_reported_on_the_header_line(db, tmp_path):
    data = _copy_data(tmp_path)
    _replace_line(data / "oslo_districts.csv", 1, lambda s: s.replace("municipality_number", "kommune"))

    with pytest.raises(CommandError, match=r"oslo_districts.csv, line 1, column 'municipality_number'"):
        call_command("import_registry", data_dir=data)
