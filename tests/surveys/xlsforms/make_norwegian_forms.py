"""Writes the Norwegian XLSForms of this folder (`no-*.xlsx`, `fr-*.xlsx`) the way a survey admin
makes them in Excel: language headers in Norwegian or English words, capitalised headers, the
older type names, numeric codes, loose questions around the groups. Each form is one of the
problems of issue 15; run it again after changing a form:

    .venv/bin/python tests/surveys/xlsforms/make_norwegian_forms.py
"""

from pathlib import Path

from openpyxl import Workbook

FOLDER = Path(__file__).parent
LONG = "Dette er en svært lang tekst som en saksbehandler har limt inn fra et notat. " * 5

FORMS = {
    # 1: loose questions before and after the groups, a choice list with a name twice
    # (cascading selects), two names that are equal once renamed.
    "no-samtykke-og-takk.xlsx": {
        "survey": [
            ["type", "name", "label::Norsk", "label::Nynorsk", "relevant", "choice_filter"],
            ["select_one ja_nei", "samtykke", "Samtykker du?", "Samtykkjer du?", "", ""],
            ["begin group", "bosetting", "Bosetting", "Busetjing", "${samtykke} = 'ja'", ""],
            ["select_one fylke", "fylke", "Fylke", "Fylke", "", ""],
            ["select_one kommune", "kommune", "Kommune", "Kommune", "", "fylke = ${fylke}"],
            ["select_multiple omraade", "omraader", "Områder", "Område", "", ""],
            ["end group", "", "", "", "", ""],
            ["note", "takk", "Takk for svarene!", "Takk for svara!", "", ""],
            ["text", "kommentar", "Kommentar", "Kommentar", "", ""],
        ],
        "choices": [
            ["list_name", "name", "label::Norsk", "label::Nynorsk", "fylke"],
            ["ja_nei", "ja", "Ja", "Ja", ""],
            ["ja_nei", "nei", "Nei", "Nei", ""],
            ["fylke", "viken", "Viken", "Viken", ""],
            ["fylke", "innlandet", "Innlandet", "Innlandet", ""],
            ["kommune", "nes", "Nes (Viken)", "Nes (Viken)", "viken"],
            ["kommune", "nes", "Nes (Innlandet)", "Nes (Innlandet)", "innlandet"],
            ["omraade", "arbeid-liv", "Arbeidsliv", "Arbeidsliv", ""],
            ["omraade", "arbeid_liv", "Arbeid og liv", "Arbeid og liv", ""],
        ],
    },
    # 1: texts longer than the question bank holds: refused with sheet, row and column.
    "no-for-lange-tekster.xlsx": {
        "survey": [
            ["type", "name", "label"],
            ["begin group", "del1", LONG[:250]],
            ["select_one svar", "spm1", "Spørsmål"],
            ["end group", "", ""],
        ],
        "choices": [["list_name", "name", "label"], ["svar", "a", LONG[:350]], ["svar", "b", "Kort"]],
    },
    # 2: language names in Norwegian, and a language the platform does not have.
    "no-sprak-norsk-nynorsk-engelsk.xlsx": {
        "survey": [
            ["type", "name", "label::Norsk", "label::Nynorsk", "label::Engelsk", "label::Svenska", "hint::Norsk"],
            ["begin group", "del1", "Om kommunen", "Om kommunen", "About the municipality", "Om kommunen", ""],
            [
                "select_one ja_nei",
                "plan",
                "Har kommunen en plan?",
                "Har kommunen ein plan?",
                "Is there a plan?",
                "Plan?",
                "Velg ett",
            ],
            ["integer", "ansatte", "Antall ansatte", "Tal på tilsette", "Staff", "Anställda", ""],
            ["end group", "", "", "", "", "", ""],
        ],
        "choices": [
            ["list_name", "name", "label::Norsk", "label::Nynorsk", "label::Engelsk", "label::Svenska"],
            ["ja_nei", "ja", "Ja", "Ja", "Yes", "Ja"],
            ["ja_nei", "nei", "Nei", "Nei", "No", "Nej"],
        ],
    },
    # 2: language names in English, and a header with one colon beside ones with two.
    "no-sprak-norwegian-english.xlsx": {
        "survey": [
            ["type", "name", "label::Norwegian", "label:English (en)", "hint::Norwegian", "hint:English (en)"],
            ["begin group", "del1", "Bosetting", "Settlement", "", ""],
            ["select_one grad", "fornoyd", "Hvor fornøyd?", "How satisfied?", "Velg ett svar", "Choose one"],
            ["text", "hvorfor", "Hvorfor?", "Why?", "", ""],
            ["end group", "", "", "", "", ""],
        ],
        "choices": [
            ["list_name", "name", "label::Norwegian", "label:English (en)"],
            ["grad", "lite", "Lite", "Little"],
            ["grad", "mye", "Mye", "Much"],
        ],
    },
    # 2: a form in one other language: its texts are kept (as Bokmål), never the variable names.
    "fr-une-langue.xlsx": {
        "survey": [
            ["type", "name", "label::Français (fr)"],
            ["begin group", "menage", "Le ménage"],
            ["integer", "taille", "Combien de personnes?"],
            ["select_one oui_non", "eau", "Avez-vous l'eau courante?"],
            ["end group", "", ""],
        ],
        "choices": [
            ["list_name", "name", "label::Français (fr)"],
            ["oui_non", "oui", "Oui"],
            ["oui_non", "non", "Non"],
        ],
    },
    # 3: a nested group's condition, constraints with an extra value, with a reference, regex,
    # strict bounds, and a required, a message, a default and an appearance.
    "no-logikk.xlsx": {
        "survey": [
            [
                "type",
                "name",
                "label",
                "relevant",
                "constraint",
                "constraint_message",
                "required",
                "default",
                "appearance",
            ],
            ["begin group", "tiltak", "Tiltak", "", "", "", "", "", ""],
            ["select_multiple tiltak", "hvilke", "Hvilke tiltak?", "", "", "", "yes", "", "minimal"],
            [
                "begin group",
                "vurdering",
                "Vurdering",
                "not(selected(${hvilke}, 'ingen'))",
                "",
                "",
                "",
                "",
                "field-list",
            ],
            ["select_one skala", "nytte", "Nytte", "", "", "", "", "", ""],
            ["integer", "timer", "Timer per uke", "${nytte} = 'stor'", "", "", "", "", ""],
            ["end group", "", "", "", "", "", "", "", ""],
            [
                "integer",
                "bosatte",
                "Antall bosatte",
                "",
                "(. >= 0 and . <= 500) or . = 999",
                "0-500, eller 999 for vet ikke",
                "",
                "",
                "",
            ],
            ["integer", "herav_barn", "Herav barn", "", ". <= ${bosatte}", "", "", "", ""],
            ["text", "postnummer", "Postnummer", "", "regex(., '^[0-9]{4}$')", "Fire sifre", "", "", ""],
            ["decimal", "andel", "Andel", "", ". > 0 and . < 1", "", "", "0.5", ""],
            ["integer", "alder", "Alder", "", ". > 17 and . < 67", "", "", "", ""],
            ["end group", "", "", "", "", "", "", "", ""],
        ],
        "choices": [
            ["list_name", "name", "label"],
            ["tiltak", "kurs", "Kurs"],
            ["tiltak", "praksis", "Praksis"],
            ["tiltak", "ingen", "Ingen av disse"],
            ["skala", "liten", "Liten"],
            ["skala", "stor", "Stor"],
        ],
    },
    # 4: capitalised headers, as Excel's autocorrect or a habit writes them.
    "no-store-overskrifter.xlsx": {
        "survey": [
            ["TYPE", "NAME", "LABEL", "Relevant", "HINT"],
            ["begin group", "del1", "Første del", "", ""],
            ["select_one ja_nei", "svar", "Svar", "", "Velg"],
            ["text", "hvorfor", "Hvorfor?", "${svar} = 'ja'", ""],
            ["end group", "", "", "", ""],
        ],
        "choices": [["LIST_NAME", "NAME", "LABEL"], ["ja_nei", "ja", "Ja"], ["ja_nei", "nei", "Nei"]],
    },
    # 5: numeric codes, the SPSS habit, with conditions on them.
    "no-numeriske-koder.xlsx": {
        "survey": [
            ["type", "name", "label::Norsk", "relevant"],
            ["begin group", "del1", "Bosetting", ""],
            ["select_one svar", "bosatt", "Har kommunen bosatt flyktninger?", ""],
            ["integer", "antall", "Hvor mange?", "${bosatt} = 1"],
            ["select_multiple tiltak", "tiltak", "Hvilke tiltak?", "${bosatt} = 1"],
            ["text", "annet", "Annet tiltak", "selected(${tiltak}, '99')"],
            ["text", "hvorfor_ikke", "Hvorfor ikke?", "${bosatt} = 2"],
            ["end group", "", "", ""],
        ],
        "choices": [
            ["list_name", "name", "label::Norsk"],
            ["svar", "1", "Ja"],
            ["svar", "2", "Nei"],
            ["svar", "9", "Vet ikke"],
            ["tiltak", "1", "Bolig"],
            ["tiltak", "2", "Arbeid"],
            ["tiltak", "99", "Annet"],
        ],
    },
    # 6: a label that shows an answer (`${navn}`), a hint too.
    "no-svar-i-tekst.xlsx": {
        "survey": [
            ["type", "name", "label", "hint"],
            ["begin group", "del1", "Kontakt", ""],
            ["text", "navn", "Navn på kontaktperson", ""],
            ["text", "epost", "E-post til ${navn}", ""],
            ["integer", "telefon", "Telefon", "Nummeret til ${navn}"],
            ["end group", "", "", ""],
        ],
    },
    # 7: the older type names pyxform still reads.
    "no-gamle-typenavn.xlsx": {
        "survey": [
            ["type", "name", "label"],
            ["begin group", "del1", "Del 1"],
            ["select one from kommunetype", "type_kommune", "Type kommune"],
            ["select all that apply from kommunetype", "typer", "Typer"],
            ["string", "navn", "Navn"],
            ["int", "innbyggere", "Innbyggere"],
            ["end group", "", ""],
        ],
        "choices": [["list name", "name", "label"], ["kommunetype", "by", "By"], ["kommunetype", "bygd", "Bygd"]],
    },
}


def main() -> None:
    for name, sheets in FORMS.items():
        book = Workbook()
        book.remove(book.active)
        for title, rows in sheets.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
        book.save(FOLDER / name)


if __name__ == "__main__":
    main()
