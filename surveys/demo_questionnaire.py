"""A complete yearly questionnaire for the demo data, modelled on the topics and
question forms of the survey's published reports, in our own wording, in
Bokmål, Nynorsk and English.

Questions are created by code only when missing and never saved again, so the
earlier and the current year share the recurring questions (the time series)
even after a round has opened and frozen them.
"""

from django.db import transaction

from surveys.models import Item, MatrixItem, Question, Questionnaire, QuestionOption, Scale, ScalePoint, Section

T = Question.Type
C = Question.Classification

SCALES = {
    "useful4": (
        "Svært lite nyttig – svært nyttig",
        [
            ("very_little", "Svært lite nyttig", "Svært lite nyttig", "Very little use"),
            ("little", "Lite nyttig", "Lite nyttig", "Little use"),
            ("useful", "Nyttig", "Nyttig", "Useful"),
            ("very_useful", "Svært nyttig", "Svært nyttig", "Very useful"),
        ],
    ),
    "importance4": (
        "Svært uviktig – svært viktig",
        [
            ("very_unimportant", "Svært uviktig", "Svært uviktig", "Very unimportant"),
            ("unimportant", "Uviktig", "Uviktig", "Unimportant"),
            ("important", "Viktig", "Viktig", "Important"),
            ("very_important", "Svært viktig", "Svært viktig", "Very important"),
        ],
    ),
    "quality4": (
        "Svært dårlig – svært god",
        [
            ("very_poor", "Svært dårlig", "Svært dårleg", "Very poor"),
            ("poor", "Dårlig", "Dårleg", "Poor"),
            ("good", "God", "God", "Good"),
            ("very_good", "Svært god", "Svært god", "Very good"),
        ],
    ),
}

SERVICE_AREAS = [
    ("housing", "Bolig", "Bustad", "Housing"),
    ("intro", "Introduksjonsprogrammet", "Introduksjonsprogrammet", "The introduction programme"),
    ("norwegian", "Opplæring i norsk", "Opplæring i norsk", "Norwegian language training"),
    ("schools", "Skole", "Skule", "Schools"),
    ("kindergarten", "Barnehage", "Barnehage", "Kindergartens"),
    ("health", "Helsetjenester", "Helsetenester", "Health services"),
    ("child_welfare", "Barnevern", "Barnevern", "Child welfare"),
    ("none", "Ingen av disse", "Ingen av desse", "None of these"),
]

# Options chosen only alone (QuestionOption.is_exclusive).
EXCLUSIVE_OPTIONS = {"none"}

DIRECTORATE_AREAS = [
    ("settlement", "Bosetting", "Busetjing", "Settlement"),
    ("intro_programme", "Introduksjonsprogrammet", "Introduksjonsprogrammet", "The introduction programme"),
    ("qualification", "Kvalifisering og arbeid", "Kvalifisering og arbeid", "Qualification and work"),
    ("interpreting", "Tolking", "Tolking", "Interpreting"),
    ("unaccompanied", "Enslige mindreårige", "Einslege mindreårige", "Unaccompanied minors"),
    ("planning", "Planarbeid", "Planarbeid", "Planning"),
    ("statistics", "Statistikk og analyse", "Statistikk og analyse", "Statistics and analysis"),
    ("guidance", "Veiledning og kurs", "Rettleiing og kurs", "Guidance and courses"),
]

BARRIERS = [
    ("housing", "Mangel på egnede boliger", "Mangel på eigna bustader", "Lack of suitable housing"),
    ("jobs", "Få arbeidsplasser", "Få arbeidsplassar", "Few jobs"),
    ("capacity", "Kapasitet i tjenestene", "Kapasitet i tenestene", "Capacity in the services"),
    ("finance", "Kommunens økonomi", "Økonomien i kommunen", "The municipality's finances"),
    ("grants", "Tilskuddene dekker ikke kostnadene", "Tilskota dekkjer ikkje kostnadene", "Grants do not cover costs"),
    ("politics", "Politisk vedtak", "Politisk vedtak", "Political decision"),
    ("health", "Helseutfordringer hos flyktningene", "Helseutfordringar hos flyktningane", "Refugees' health needs"),
    (
        "transport",
        "Lange avstander og lite kollektivtransport",
        "Lange avstandar og lite kollektivtransport",
        "Distances",
    ),
]

# (code, type, classification, theme, nb, nn, en, extra)
QUESTIONS = {
    "Q01": (
        T.NOTE,
        C.RECURRING,
        "",
        "Denne delen besvares av kommunedirektøren eller den hun eller han utpeker.",
        "Denne delen vert svart på av kommunedirektøren eller den ho eller han peikar ut.",
        "This part is answered by the chief executive or the person they appoint.",
        {},
    ),
    "Q02": (
        T.INTEGER,
        C.RECURRING,
        "Bosetting",
        "Hvor mange flyktninger bosatte kommunen i fjor?",
        "Kor mange flyktningar busette kommunen i fjor?",
        "How many refugees did the municipality settle last year?",
        {"min_value": 0, "max_value": 5000},
    ),
    "Q03": (
        T.MULTIPLE_CHOICE,
        C.RECURRING,
        "Kapasitet",
        "På hvilke tjenesteområder økte kommunen kapasiteten det siste året?",
        "På kva tenesteområde auka kommunen kapasiteten det siste året?",
        "In which service areas did the municipality increase its capacity in the past year?",
        {"options": SERVICE_AREAS, "has_comment": True},
    ),
    "Q04": (
        T.YES_NO,
        C.RECURRING,
        "Planer",
        "Beskriver kommunens planer innvandrerbefolkningen?",
        "Skildrar planane til kommunen innvandrarbefolkninga?",
        "Do the municipality's plans describe the immigrant population?",
        {},
    ),
    "Q05": (
        T.YES_NO,
        C.RECURRING,
        "Mottak",
        "Gir kommunen tjenester til et asylmottak i kommunen?",
        "Gir kommunen tenester til eit asylmottak i kommunen?",
        "Does the municipality provide services to an asylum reception centre?",
        {},
    ),
    "Q06": (
        T.YES_NO,
        C.RECURRING,
        "Tolk",
        "Har kommunen retningslinjer for bruk av tolk?",
        "Har kommunen retningslinjer for bruk av tolk?",
        "Does the municipality have guidelines for interpreters?",
        {},
    ),
    "Q07": (
        T.MULTIPLE_CHOICE,
        C.RECURRING,
        "Bosetting",
        "Hva er de tre største hindrene for å bosette flere flyktninger? Velg inntil tre.",
        "Kva er dei tre største hindra for å busetje fleire flyktningar? Vel inntil tre.",
        "What are the three biggest barriers to settling more refugees? Choose up to three.",
        {"options": BARRIERS, "max_choices": 3},
    ),
    "Q08": (
        T.MATRIX,
        C.RECURRING,
        "Direktoratet",
        "Hvor nyttig har direktoratets bidrag vært på disse områdene?",
        "Kor nyttig har bidraget frå direktoratet vore på desse områda?",
        "How useful has the directorate's contribution been in these areas?",
        {"scale": "useful4", "rows": DIRECTORATE_AREAS, "not_relevant": True},
    ),
    "Q09": (
        T.MATRIX,
        C.RECURRING,
        "Direktoratet",
        "Hvor viktige blir disse områdene for kommunen de neste to årene?",
        "Kor viktige vert desse områda for kommunen dei neste to åra?",
        "How important will these areas be for the municipality over the next two years?",
        {"scale": "importance4", "rows": DIRECTORATE_AREAS, "not_relevant": True},
    ),
    "Q10": (
        T.LONG_TEXT,
        C.RECURRING,
        "Råd",
        "Har du råd til direktoratet om hvordan samarbeidet kan bli bedre?",
        "Har du råd til direktoratet om korleis samarbeidet kan bli betre?",
        "Do you have advice for the directorate on how the cooperation could improve?",
        {},
    ),
    "I01": (
        T.NOTE,
        C.RECURRING,
        "",
        "Denne delen besvares av lederen for introduksjonsprogrammet.",
        "Denne delen vert svart på av leiaren for introduksjonsprogrammet.",
        "This part is answered by the head of the introduction programme.",
        {},
    ),
    "I02": (
        T.YES_NO,
        C.RECURRING,
        "Introduksjonsprogrammet",
        "Har kommunen et resultatmål for introduksjonsprogrammet?",
        "Har kommunen eit resultatmål for introduksjonsprogrammet?",
        "Does the municipality have a result target for the introduction programme?",
        {},
    ),
    "I03": (
        T.DECIMAL,
        C.RECURRING,
        "Introduksjonsprogrammet",
        "Hvor stor andel av deltakerne skal være i arbeid eller utdanning etter programmet (prosent)?",
        "Kor stor del av deltakarane skal vere i arbeid eller utdanning etter programmet (prosent)?",
        "What share of participants should be in work or education after the programme (percent)?",
        {"min_value": 0, "max_value": 100},
    ),
    "I04": (
        T.SINGLE_CHOICE,
        C.RECURRING,
        "Introduksjonsprogrammet",
        "Hvor ofte rapporteres resultatene til kommunens ledelse?",
        "Kor ofte vert resultata rapporterte til leiinga i kommunen?",
        "How often are the results reported to the municipality's management?",
        {
            "options": [
                ("never", "Aldri", "Aldri", "Never"),
                ("yearly", "Årlig", "Årleg", "Yearly"),
                ("twice", "To ganger i året", "To gonger i året", "Twice a year"),
                ("more", "Oftere", "Oftare", "More often"),
            ]
        },
    ),
    "I05": (
        T.MULTIPLE_CHOICE,
        C.RECURRING,
        "Samarbeid",
        "På hvilke områder samarbeider programmet med frivillige organisasjoner?",
        "På kva område samarbeider programmet med frivillige organisasjonar?",
        "In which areas does the programme cooperate with volunteer organisations?",
        {
            "options": [
                ("language", "Språktrening", "Språktrening", "Language practice"),
                ("network", "Nettverk og fritid", "Nettverk og fritid", "Networks and leisure"),
                ("homework", "Leksehjelp", "Leksehjelp", "Homework help"),
                ("mentoring", "Mentorordninger", "Mentorordningar", "Mentoring"),
            ]
        },
    ),
    "I06": (
        T.MULTIPLE_CHOICE,
        C.RECURRING,
        "Samarbeid",
        "På hvilke områder samarbeider programmet med lokalt næringsliv?",
        "På kva område samarbeider programmet med lokalt næringsliv?",
        "In which areas does the programme cooperate with local business?",
        {
            "options": [
                ("practice", "Praksisplasser", "Praksisplassar", "Work placements"),
                ("jobs", "Ansettelser", "Tilsetjingar", "Hiring"),
                ("training", "Opplæring på arbeidsplassen", "Opplæring på arbeidsplassen", "On-the-job training"),
            ],
            "has_comment": True,
        },
    ),
    "I07": (
        T.SCALE,
        C.RECURRING,
        "Introduksjonsprogrammet",
        "Hvordan vurderer du kvaliteten på introduksjonsprogrammet i kommunen?",
        "Korleis vurderer du kvaliteten på introduksjonsprogrammet i kommunen?",
        "How do you rate the quality of the introduction programme in the municipality?",
        {"scale": "quality4"},
    ),
    # Rotating themes: the earlier year asked about housing, the current year about qualification.
    "R24_1": (
        T.SINGLE_CHOICE,
        C.ROTATING,
        "Bolig",
        "Hvordan skaffer kommunen boliger til flyktninger?",
        "Korleis skaffar kommunen bustader til flyktningar?",
        "How does the municipality find housing for refugees?",
        {
            "options": [
                ("own", "Kommunale boliger", "Kommunale bustader", "Municipal housing"),
                ("private", "Det private markedet", "Den private marknaden", "The private market"),
                ("both", "Begge deler", "Begge delar", "Both"),
            ]
        },
    ),
    "R24_2": (
        T.SHORT_TEXT,
        C.ROTATING,
        "Bolig",
        "Hva er den viktigste boligutfordringen?",
        "Kva er den viktigaste bustadutfordringa?",
        "What is the main housing challenge?",
        {},
    ),
    "R25_1": (
        T.SCALE,
        C.ROTATING,
        "Kvalifisering",
        "Hvordan vurderer du samarbeidet med NAV om kvalifisering?",
        "Korleis vurderer du samarbeidet med NAV om kvalifisering?",
        "How do you rate the cooperation with NAV on qualification?",
        {"scale": "quality4"},
    ),
    "R25_2": (
        T.SHORT_TEXT,
        C.ROTATING,
        "Kvalifisering",
        "Hvilket kvalifiseringstiltak virker best?",
        "Kva kvalifiseringstiltak verkar best?",
        "Which qualification measure works best?",
        {},
    ),
    "A25_1": (
        T.YES_NO,
        C.CURRENT_AFFAIRS,
        "Ukraina",
        "Har kommunen tatt imot fordrevne fra Ukraina det siste året?",
        "Har kommunen teke imot fordrivne frå Ukraina det siste året?",
        "Has the municipality received displaced people from Ukraine in the past year?",
        {},
    ),
}

# Sections: (code, role, titles nb/nn/en, condition, [(question code, condition)]).
SECTIONS = [
    (
        "settlement",
        Section.Role.CHIEF_EXECUTIVE,
        ("Bosetting og tjenester", "Busetjing og tenester", "Settlement and services"),
        "",
        [
            ("Q01", ""),
            ("Q02", "${settles_refugees} = true"),
            ("Q03", ""),
            ("Q04", ""),
            ("Q05", ""),
            ("Q06", ""),
            ("Q07", ""),
            ("ROTATING", ""),
        ],
    ),
    (
        "directorate",
        Section.Role.CHIEF_EXECUTIVE,
        ("Direktoratet som samarbeidspartner", "Direktoratet som samarbeidspartnar", "The directorate as a partner"),
        "",
        [
            ("Q08", ""),
            ("Q09", ""),
            ("Q10", ""),
        ],
    ),
    (
        "intro",
        Section.Role.INTRODUCTION_PROGRAMME,
        ("Introduksjonsprogrammet", "Introduksjonsprogrammet", "The introduction programme"),
        "${settles_refugees} = true",
        [
            ("I01", ""),
            ("I02", ""),
            ("I03", "${I02} = 'yes'"),
            ("I04", ""),
            ("I05", ""),
            ("I06", ""),
            ("I07", ""),
        ],
    ),
]
ROTATING = {True: [("R24_1", ""), ("R24_2", "${R24_1} != 'own'")], False: [("R25_1", ""), ("R25_2", ""), ("A25_1", "")]}


def demo_scales_ensure() -> dict[str, Scale]:
    scales = {}
    for code, (name, points) in SCALES.items():
        scale, created = Scale.objects.get_or_create(code=code, defaults={"name": name})
        if created:
            for value, (point_code, nb, nn, en) in enumerate(points, start=1):
                ScalePoint.objects.create(
                    scale=scale, value=value, code=point_code, label_nb=nb, label_nn=nn, label_en=en
                )
        scales[code] = scale
    return scales


def _question(code: str, scales: dict[str, Scale]) -> Question:
    existing = Question.objects.filter(code=code).first()
    if existing is not None:
        return existing  # possibly frozen: never saved again
    kind, classification, theme, nb, nn, en, extra = QUESTIONS[code]
    question = Question.objects.create(
        code=code,
        series=code,
        classification=classification,
        theme=theme,
        type=kind,
        text_nb=nb,
        text_nn=nn,
        text_en=en,
        scale=scales[extra["scale"]] if "scale" in extra else None,
        offers_not_relevant=extra.get("not_relevant", False),
        max_choices=extra.get("max_choices"),
        min_value=extra.get("min_value"),
        max_value=extra.get("max_value"),
        has_comment=extra.get("has_comment", False),
    )
    for position, (option_code, o_nb, o_nn, o_en) in enumerate(extra.get("options", [])):
        QuestionOption.objects.create(
            question=question,
            code=option_code,
            position=position,
            label_nb=o_nb,
            label_nn=o_nn,
            label_en=o_en,
            is_exclusive=option_code in EXCLUSIVE_OPTIONS and kind == Question.Type.MULTIPLE_CHOICE,
        )
    for position, (row_code, r_nb, r_nn, r_en) in enumerate(extra.get("rows", [])):
        MatrixItem.objects.create(
            question=question, code=row_code, position=position, label_nb=r_nb, label_nn=r_nn, label_en=r_en
        )
    return question


@transaction.atomic
def demo_questionnaire_create(*, year: int, earlier: bool = False) -> Questionnaire:
    """A new questionnaire for `year`; `earlier` swaps the rotating theme and drops current affairs."""
    scales = demo_scales_ensure()
    questionnaire = Questionnaire.objects.create(title=f"Kommuneundersøkelsen {year}", year=year)
    for position, (code, role, (nb, nn, en), condition, items) in enumerate(SECTIONS, start=1):
        section = Section.objects.create(
            questionnaire=questionnaire,
            position=position,
            code=code,
            role=role,
            title_nb=nb,
            title_nn=nn,
            title_en=en,
            condition=condition,
        )
        expanded = []
        for question_code, item_condition in items:
            expanded.extend(ROTATING[earlier] if question_code == "ROTATING" else [(question_code, item_condition)])
        for item_position, (question_code, item_condition) in enumerate(expanded, start=1):
            Item.objects.create(
                questionnaire=questionnaire,
                section=section,
                position=item_position,
                question=_question(question_code, scales),
                condition=item_condition,
            )
    return questionnaire
