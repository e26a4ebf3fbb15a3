"""The built-in programme templates, from the services described in DOMAIN.md section 1.

Content, not code: organisations copy a template and edit the copy. Texts are in Norwegian Bokmål, the
language the programmes are run in; Danish organisations write their own copies.
"""

from __future__ import annotations

from kindred.programs.models import ProgrammeTemplate, SessionForm

K = ProgrammeTemplate.Kind
D = ProgrammeTemplate.Delivery


def _s(title: str, description: str = "", form: str = "") -> dict:
    return {"title": title, "description": description, "form": form}


BUILTIN_TEMPLATES: list[dict] = [
    {
        "key": "stress-strain-coping-support",
        "kind": K.BRIEF_INTERVENTION,
        "name": "5-trinnsintervensjonen for pårørende",
        "description": (
            "Kortvarig, strukturert hjelp til pårørende etter stress–belastning–mestring–støtte-modellen "
            "(KoRus Bergen). Fem samtaler, individuelt eller i gruppe."
        ),
        "audience": "Voksne pårørende til personer med rus- eller spilleproblemer",
        "delivery": D.EITHER,
        "interval_days": 7,
        "sessions": [
            _s("Stress og belastning", "Hvordan påvirker problemet den pårørende og familien?", SessionForm.STRESSES),
            _s(
                "Informasjon",
                "Kunnskap om rusmidler, spill og avhengighet, tilpasset det den pårørende trenger.",
                SessionForm.INFORMATION,
            ),
            _s(
                "Mestring",
                "Mestringsposisjoner: engasjert, tolerant, tilbaketrukket; fordeler og ulemper; valgte strategier.",
                SessionForm.COPING,
            ),
            _s(
                "Sosial støtte",
                "Nettverkskart: hvem finnes rundt den pårørende, og hvor støttende er de?",
                SessionForm.NETWORK,
            ),
            _s("Videre behov", "Hva trengs videre, og skal den pårørende henvises videre?", SessionForm.NEEDS),
        ],
        "min_participants": 1,
        "max_participants": 8,
        "pre_interview": False,
        "completion_min_sessions": 4,
        "measures": ["coping_questionnaire", "symptom_rating"],
    },
    {
        "key": "self-help-group",
        "kind": K.SELF_HELP_GROUP,
        "name": "Selvhjelpsgruppe for pårørende",
        "description": (
            "Tolv kvelder annenhver uke med en likeperson som leder. De to første kveldene for å bli kjent, "
            "de ti neste med faste temaer. En forsamtale avklarer om gruppen passer."
        ),
        "audience": "Voksne pårørende",
        "delivery": D.GROUP,
        "interval_days": 14,
        "sessions": [
            _s("Bli kjent (1)"),
            _s("Bli kjent (2)"),
            _s("Grensesetting"),
            _s("Medavhengighet"),
            _s("Familien"),
            _s("Skyld og skam"),
            _s("Egne behov"),
            _s("Sinne og sorg"),
            _s("Barna i familien"),
            _s("Håp og forventninger"),
            _s("Veien videre"),
            _s("Avslutning"),
        ],
        "min_participants": 6,
        "max_participants": 8,
        "pre_interview": True,
        "peer_leader": True,
        "completion_min_sessions": 8,
    },
    {
        "key": "meeting-place",
        "kind": K.MEETING_PLACE,
        "name": "Møteplass for pårørende",
        "description": "Fire temasamlinger hvert halvår. Gratis, uten påmelding; vi teller oppmøte, ikke navn.",
        "audience": "Alle pårørende",
        "delivery": D.GROUP,
        "interval_days": 28,
        "sessions": [
            _s("De sammensatte følelsene"),
            _s("Grensesetting"),
            _s("Skyld, skam og isolasjon"),
            _s("Håpet"),
        ],
        "min_participants": 1,
        "max_participants": 200,
        "drop_in": True,
        "completion_min_sessions": 1,
    },
    {
        "key": "relatives-seminar",
        "kind": K.COURSE,
        "name": "Seminar for pårørende (vår og høst)",
        "description": "Et seminar om rus, spill og familien, med tid til spørsmål og erfaringsdeling.",
        "audience": "Pårørende",
        "delivery": D.GROUP,
        "interval_days": 1,
        "sessions": [_s("Seminar")],
        "min_participants": 1,
        "max_participants": 60,
        "completion_min_sessions": 1,
    },
    {
        "key": "staff-course",
        "kind": K.COURSE,
        "name": "Kurs for ansatte: barn og pårørende i rusfeltet",
        "description": "Barneansvarlig arbeid, barnesamtalen, samarbeid med barnevernet og oppfølging av pårørende.",
        "audience": "Ansatte i helse- og omsorgstjenester, skole og barnehage",
        "delivery": D.GROUP,
        "interval_days": 7,
        "sessions": [_s("Barn som pårørende"), _s("Samtalen med barnet og forelderen")],
        "min_participants": 1,
        "max_participants": 40,
        "completion_min_sessions": 2,
    },
    {
        "key": "children-group",
        "kind": K.CHILDREN_GROUP,
        "name": "Barnegruppe",
        "description": (
            "Gruppe for barn som har en forelder med rus- eller spilleproblemer: å forstå, å sette ord på følelser."
        ),
        "audience": "Barn 8–12 år",
        "delivery": D.GROUP,
        "interval_days": 7,
        "sessions": [
            _s("Bli kjent"),
            _s("Følelser"),
            _s("Hva er rus og avhengighet?"),
            _s("Hemmeligheter og å snakke om det"),
            _s("Hvem kan jeg snakke med?"),
            _s("Avslutning"),
        ],
        "min_participants": 4,
        "max_participants": 8,
        "pre_interview": True,
        "completion_min_sessions": 4,
    },
    {
        "key": "parent-child-group",
        "kind": K.PARENT_CHILD_GROUP,
        "name": "Foreldre-og-barn-gruppe",
        "description": "Middag, lek og samtale for familier med små barn; følelsestermometeret for barn og foreldre.",
        "audience": "Foreldre med barn 0–6 år",
        "delivery": D.GROUP,
        "interval_days": 7,
        "sessions": [_s(f"Samling {n}") for n in range(1, 9)],
        "min_participants": 3,
        "max_participants": 10,
        "pre_interview": True,
        "completion_min_sessions": 5,
        "measures": ["feelings_thermometer"],
    },
]
