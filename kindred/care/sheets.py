"""The child sheet's questions: default content (nb, da, en) and validation of edited versions.

No public copy of the original Barnearket form was found; the sections follow Norwegian
hospital procedures (DOMAIN.md section 3) and are content an organisation can edit."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,40}$")

# (section key, {lang: title}, [(question key, {lang: text})])
DEFAULT_SECTIONS = [
    (
        "identification",
        {"nb": "A. Identifikasjon", "da": "A. Identifikation", "en": "A. Identification"},
        [
            (
                "lives_where",
                {"nb": "Hvor bor barnet nå?", "da": "Hvor bor barnet nu?", "en": "Where does the child live now?"},
            ),
            (
                "cared_by_now",
                {
                    "nb": "Hvem gir barnet daglig omsorg nå?",
                    "da": "Hvem tager sig af barnet i dagligdagen nu?",
                    "en": "Who cares for the child day to day now?",
                },
            ),
            (
                "child_knows",
                {
                    "nb": "Hva vet barnet om forelderens situasjon?",
                    "da": "Hvad ved barnet om forælderens situation?",
                    "en": "What does the child know about the parent's situation?",
                },
            ),
        ],
    ),
    (
        "care",
        {"nb": "B. Omsorgssituasjon", "da": "B. Omsorgssituation", "en": "B. Care situation"},
        [
            (
                "other_parent",
                {
                    "nb": "Den andre forelderen og samværsordning",
                    "da": "Den anden forælder og samværsordning",
                    "en": "The other parent and contact arrangement",
                },
            ),
            (
                "important_adults",
                {
                    "nb": "Viktige voksne for barnet",
                    "da": "Vigtige voksne for barnet",
                    "en": "Important adults for the child",
                },
            ),
            (
                "kindergarten_school",
                {"nb": "Barnehage eller skole", "da": "Dagtilbud eller skole", "en": "Kindergarten or school"},
            ),
        ],
    ),
    (
        "safety",
        {"nb": "C. Sikkerhet", "da": "C. Sikkerhed", "en": "C. Safety"},
        [
            (
                "adequate_supervision",
                {
                    "nb": "Har barnet forsvarlig tilsyn av en voksen nå? Hvis tvil: sikre en voksen, vurder bekymringsmelding eller akutt hjelp.",
                    "da": "Har barnet forsvarligt tilsyn af en voksen nu? Ved tvivl: sikr en voksen, overvej underretning eller akut hjælp.",
                    "en": "Does the child have adequate adult supervision now? If in doubt: secure an adult, consider a concern report or emergency help.",
                },
            ),
        ],
    ),
    (
        "impact",
        {"nb": "D. Påvirkning og behov", "da": "D. Påvirkning og behov", "en": "D. Impact and needs"},
        [
            (
                "impact",
                {
                    "nb": "Hvordan påvirkes barnet av situasjonen?",
                    "da": "Hvordan påvirkes barnet af situationen?",
                    "en": "How is the child affected by the situation?",
                },
            ),
            (
                "needs",
                {
                    "nb": "Hvilke behov har barnet for informasjon og oppfølging?",
                    "da": "Hvilke behov har barnet for information og opfølgning?",
                    "en": "What does the child need in information and follow-up?",
                },
            ),
        ],
    ),
    (
        "network",
        {"nb": "E. Nettverk og ressurser", "da": "E. Netværk og ressourcer", "en": "E. Network and resources"},
        [
            (
                "network",
                {
                    "nb": "Nettverk, ressurser og tjenester som er involvert",
                    "da": "Netværk, ressourcer og involverede tilbud",
                    "en": "Network, resources and services involved",
                },
            ),
        ],
    ),
    (
        "information_to_others",
        {
            "nb": "F. Informasjon til andre og samtykke",
            "da": "F. Information til andre og samtykke",
            "en": "F. Information to others and consent",
        },
        [
            (
                "who_to_inform",
                {
                    "nb": "Hvem skal informeres (barnehage, skole, helsestasjon), og er det samtykke til kontakt?",
                    "da": "Hvem skal informeres (dagtilbud, skole, sundhedsplejen), og er der samtykke til kontakt?",
                    "en": "Who should be informed (kindergarten, school, health centre), and is there consent to contact them?",
                },
            ),
        ],
    ),
    (
        "wishes",
        {
            "nb": "G. Forelderens ønsker og hvem gjør hva",
            "da": "G. Forælderens ønsker og hvem gør hvad",
            "en": "G. The parent's wishes and who does what",
        },
        [
            (
                "parent_wishes",
                {
                    "nb": "Hva ønsker forelderen for barnet, og ønsker forelderen samarbeid?",
                    "da": "Hvad ønsker forælderen for barnet, og ønsker forælderen samarbejde?",
                    "en": "What does the parent want for the child, and do they want to cooperate?",
                },
            ),
            (
                "agreed_measures",
                {
                    "nb": "Avtalte tiltak og ansvar",
                    "da": "Aftalte tiltag og ansvar",
                    "en": "Agreed measures and who is responsible",
                },
            ),
        ],
    ),
    (
        "contingency",
        {
            "nb": "H. Beredskap hvis forelderen blir dårligere",
            "da": "H. Beredskab hvis forælderen får det værre",
            "en": "H. Contingency if the parent gets worse",
        },
        [
            (
                "contingency",
                {
                    "nb": "Hvem tar over omsorgen, og hvem skal kontaktes?",
                    "da": "Hvem overtager omsorgen, og hvem skal kontaktes?",
                    "en": "Who takes over the care, and who should be contacted?",
                },
            ),
        ],
    ),
    (
        "child_welfare",
        {
            "nb": "I. Frivillige hjelpetiltak fra barnevernet",
            "da": "I. Frivillige støtteforanstaltninger",
            "en": "I. Voluntary child-welfare help",
        },
        [
            (
                "voluntary_help",
                {
                    "nb": "Er frivillige hjelpetiltak aktuelle eller i gang?",
                    "da": "Er frivillige foranstaltninger relevante eller i gang?",
                    "en": "Is voluntary help from child welfare relevant or under way?",
                },
            ),
        ],
    ),
]

TITLES = {"nb": "Barnearket", "da": "Barneskemaet", "en": "The child sheet"}


def default_sections(language: str) -> list[dict]:
    return [
        {
            "key": key,
            "title": titles[language],
            "questions": [{"key": qkey, "text": texts[language]} for qkey, texts in questions],
        }
        for key, titles, questions in DEFAULT_SECTIONS
    ]


def validate_sections(sections) -> None:
    """Name the exact problem in an edited set of sections; raise ValidationError."""
    if not isinstance(sections, list) or not sections:
        raise ValidationError(_("The sections must be a non-empty list."))
    seen: set[str] = set()
    for i, section in enumerate(sections, start=1):
        if not isinstance(section, dict) or not isinstance(section.get("title"), str) or not section["title"].strip():
            raise ValidationError(_("Section %(n)s needs a title.") % {"n": i})
        questions = section.get("questions")
        if not isinstance(questions, list) or not questions:
            raise ValidationError(_("Section %(n)s needs at least one question.") % {"n": i})
        for question in questions:
            key = question.get("key") if isinstance(question, dict) else None
            if not isinstance(key, str) or not _KEY.match(key):
                raise ValidationError(
                    _("Section %(n)s has a question without a valid key (lower-case letters, digits, _).") % {"n": i}
                )
            if key in seen:
                raise ValidationError(_("The question key %(key)s is used twice.") % {"key": key})
            if not isinstance(question.get("text"), str) or not question["text"].strip():
                raise ValidationError(_("The question %(key)s needs a text.") % {"key": key})
            seen.add(key)
