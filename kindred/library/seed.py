"""The national starter set of the information library.

Titles, publishers and links named in the source documents (/work/shared/seeds: the Rusfag magazine and the
competence centres' pages) are used as they stand. Where the sources name no material for a group (most
leaflets for children by age), the item has a plain descriptive title and no publisher or link, for an
organisation to replace with the material it actually hands out."""

from __future__ import annotations

from django.db import transaction

from kindred.library.models import Audience as A
from kindred.library.models import Item
from kindred.library.models import Language as L
from kindred.library.models import Topic as T
from kindred.library.services import set_tags

K = Item.Kind

# key, kind, title, publisher, url, description, audiences, languages, topics
STARTER_SET: list[tuple[str, str, str, str, str, str, list[str], list[str], list[str]]] = [
    (
        "fodt-med-alkoholskade",
        K.FILM,
        "Født med alkoholskade",
        "KoRus-Sør, Borgestadklinikken, med Habiliteringstjenesten ved Sørlandet sykehus og Statped sør",
        "https://www.borgestadklinikken.no/rusrelaterte-fosterskader",
        "Film om barn og unge med føtale alkoholskader (FASD): hva skaden gjør med konsentrasjon, samspill og "
        "læring, og hvordan voksne rundt barnet kan hjelpe. Del av verktøykassen om rusrelaterte fosterskader.",
        [A.PARENTS, A.PROFESSIONALS],
        [L.NB],
        [T.FASD, T.ALCOHOL, T.PREGNANCY],
    ),
    (
        "apne-for-laering",
        K.LEAFLET,
        "Åpne for læring",
        "KoRus-Sør, Borgestadklinikken, med Habiliteringstjenesten ved Sørlandet sykehus og Statped sør",
        "https://www.borgestadklinikken.no/rusrelaterte-fosterskader",
        "Hefte for skole og barnehage om barn med føtale alkoholskader og hvordan læringen kan legges til rette.",
        [A.PROFESSIONALS, A.PARENTS],
        [L.NB],
        [T.FASD],
    ),
    (
        "hei-laerer",
        K.LEAFLET,
        "Hei Lærer",
        "Statped",
        "https://www.borgestadklinikken.no/rusrelaterte-fosterskader",
        "Brosjyre til bruk i skolen om elever med føtale alkoholskader.",
        [A.PROFESSIONALS],
        [L.NB],
        [T.FASD],
    ),
    (
        "fasd-informasjonsbrosjyre",
        K.LEAFLET,
        "Informasjonsbrosjyre om FASD",
        "KoRus-Sør, Borgestadklinikken",
        "https://www.borgestadklinikken.no/rusrelaterte-fosterskader",
        "Kort informasjon om alkoholrelaterte fosterskader for foreldre, fosterforeldre og fagfolk. Finnes også "
        "på engelsk.",
        [A.PARENTS, A.PROFESSIONALS],
        [L.NB, L.EN],
        [T.FASD, T.ALCOHOL, T.PREGNANCY],
    ),
    (
        "dataspilling-bekymring",
        K.LEAFLET,
        "Når barn og unges dataspilling skaper bekymring",
        "Medietilsynet",
        "https://www.problemspilling.no",
        "Brosjyre til foreldre og barnefaglig personell om når dataspilling går ut over helse og livskvalitet. "
        "Finnes på bokmål, nynorsk og engelsk.",
        [A.PARENTS, A.PROFESSIONALS],
        [L.NB, L.NN, L.EN],
        [T.GAMBLING, T.MENTAL_HEALTH],
    ),
    (
        "problemspilling-no",
        K.WEB_PAGE,
        "problemspilling.no",
        "Medietilsynet",
        "https://www.problemspilling.no",
        "Nettside med informasjon om spill, problemspilling og hvor man kan få hjelp.",
        [A.CHILDREN_13_17, A.YOUNG_ADULTS, A.PARENTS, A.PARTNERS, A.PROFESSIONALS],
        [L.NB],
        [T.GAMBLING],
    ),
    (
        "kompasset",
        K.WEB_PAGE,
        "Kompasset – for unge som har vokst opp med foreldre som drikker",
        "Blå Kors",
        "https://www.kompasset.org",
        "Lavterskeltilbud for unge mellom 14 og 35 år som har foreldre med alkoholproblemer. Ingen henvisning.",
        [A.CHILDREN_13_17, A.YOUNG_ADULTS],
        [L.NB],
        [T.ALCOHOL],
    ),
    (
        "parorendeprogrammet",
        K.WEB_PAGE,
        "Pårørendeprogrammet – e-læring for helsepersonell",
        "Pårørendesenteret i Stavanger",
        "https://www.parorendeprogrammet.no",
        "Webbasert opplæringsprogram om pårørendes møte med helsetjenesten: eksempler, 35 fagfilmer og "
        "drøftingsoppgaver. Gratis.",
        [A.PROFESSIONALS],
        [L.NB],
        [T.ALCOHOL, T.DRUGS, T.MENTAL_HEALTH],
    ),
    (
        "barnespor",
        K.BOOK,
        "Barnespor for helsepersonell",
        "Kompetansesenter rus – Midt-Norge",
        "",
        "Veileder for helsepersonell om å se og følge opp barna til pasienter med rusproblemer eller psykiske "
        "lidelser (2011).",
        [A.PROFESSIONALS],
        [L.NB],
        [T.ALCOHOL, T.DRUGS, T.MENTAL_HEALTH],
    ),
    (
        "familieorientert-rusmiddelbehandling",
        K.BOOK,
        "Familieorientert rusmiddelbehandling",
        "Frid Hansen, Borgestadklinikken Blå Kors Forlag",
        "",
        "Fagbok om rusproblemer i et familieperspektiv: hvordan bruken forstyrrer familiens oppgaver og "
        "følelsesmessige bånd, og hvordan hjelpen kan gis til hele familien (2012).",
        [A.PROFESSIONALS, A.PARTNERS, A.PARENTS],
        [L.NB],
        [T.ALCOHOL, T.DRUGS],
    ),
    (
        "fhi-rapport-2011-4",
        K.BOOK,
        "Barn av foreldre med psykiske lidelser og alkoholmisbruk (Rapport 2011:4)",
        "Folkehelseinstituttet",
        "",
        "Rapport om hvor mange barn som har foreldre med psykiske lidelser eller alkoholmisbruk, og hva det "
        "betyr for dem.",
        [A.PROFESSIONALS],
        [L.NB],
        [T.ALCOHOL, T.MENTAL_HEALTH],
    ),
    (
        "barn-i-rusfamilier-notathefte",
        K.LEAFLET,
        "Notathefte til «Barn i rusfamilier»",
        "Kompetansesenter rus – region sør, Borgestadklinikken",
        "",
        "Notathefte om hvordan foreldres rusbruk påvirker samspillet i familien og barna.",
        [A.PROFESSIONALS],
        [L.NB],
        [T.ALCOHOL, T.DRUGS],
    ),
    (
        "trivsel-og-trygghet",
        K.LEAFLET,
        "Trivsel og trygghet i frivillig sektor. Rusforebyggende arbeid blant barn og unge",
        "KoRus-Midt, Møre og Romsdal fylkeskommune og Møre og Romsdal Idrettskrets",
        "",
        "Brosjyre for lag og organisasjoner som aktiviserer barn og unge: rus og rusmidler, rusretningslinjer "
        "og nyttige nettressurser.",
        [A.PROFESSIONALS],
        [L.NB],
        [T.ALCOHOL, T.DRUGS],
    ),
    (
        "helsedirektoratet-barn-som-parorende",
        K.WEB_PAGE,
        "Barn som pårørende – publikasjoner",
        "Helsedirektoratet",
        "http://helsedirektoratet.no/publikasjoner/barn-som-parorende/Sider/default.aspx",
        "Helsedirektoratets publikasjoner om barn som pårørende og helsepersonells plikter.",
        [A.PROFESSIONALS],
        [L.NB],
        [T.ALCOHOL, T.DRUGS, T.MENTAL_HEALTH],
    ),
    # Descriptive items for groups the sources name no material for.
    (
        "barn-0-5-bildebok",
        K.BOOK,
        "Bildebok for samtale med små barn når mor eller far drikker for mye",
        "",
        "",
        "En bildebok å lese sammen med barn 0–5 år, som en vei inn i samtalen om hvordan det er hjemme.",
        [A.CHILDREN_0_5, A.PARENTS],
        [L.NB],
        [T.ALCOHOL],
    ),
    (
        "barn-6-12-brosjyre",
        K.LEAFLET,
        "Når mor eller far drikker eller ruser seg – til deg som er 6–12 år",
        "",
        "",
        "Brosjyre for barn: det er ikke din skyld, du er ikke alene, og det finnes voksne du kan snakke med.",
        [A.CHILDREN_6_12],
        [L.NB, L.EN],
        [T.ALCOHOL, T.DRUGS],
    ),
    (
        "barn-6-12-spill",
        K.LEAFLET,
        "Når noen i familien spiller for mye – til barn 6–12 år",
        "",
        "",
        "Brosjyre for barn om pengespill i familien, og om å si fra til en voksen.",
        [A.CHILDREN_6_12, A.SIBLINGS],
        [L.NB],
        [T.GAMBLING],
    ),
    (
        "born-6-12-pjece",
        K.LEAFLET,
        "Når mor eller far drikker for meget – til dig, der er 6–12 år",
        "",
        "",
        "Pjece til børn om forældres alkohol- eller stofmisbrug: det er ikke din skyld, og du må gerne tale om det.",
        [A.CHILDREN_6_12],
        [L.DA],
        [T.ALCOHOL, T.DRUGS],
    ),
    (
        "ungdom-13-17-film",
        K.FILM,
        "Film for ungdom om å vokse opp med rus i familien",
        "",
        "",
        "Kort film der unge forteller om skam, ansvar og det å få hjelp når en forelder drikker eller ruser seg.",
        [A.CHILDREN_13_17, A.SIBLINGS],
        [L.NB],
        [T.ALCOHOL, T.DRUGS, T.MENTAL_HEALTH],
    ),
    (
        "partner-brosjyre",
        K.LEAFLET,
        "Til deg som lever med en som drikker, ruser seg eller spiller",
        "",
        "",
        "Brosjyre for partnere: egne reaksjoner, grensesetting og hvor du kan få hjelp for deg selv og barna.",
        [A.PARTNERS],
        [L.NB, L.EN, L.PL],
        [T.ALCOHOL, T.DRUGS, T.GAMBLING],
    ),
    (
        "foreldre-snakke-med-barna",
        K.LEAFLET,
        "Hvordan snakke med barna om rus i familien – til foreldre",
        "",
        "",
        "Brosjyre til foreldre i behandling om barnas behov for informasjon, og om hva barn i ulike aldre forstår.",
        [A.PARENTS],
        [L.NB, L.EN, L.AR, L.SO],
        [T.ALCOHOL, T.DRUGS, T.MENTAL_HEALTH],
    ),
    (
        "gravid-alkohol",
        K.LEAFLET,
        "Alkohol og graviditet – informasjon til gravide og partnere",
        "",
        "",
        "Hvorfor det er tryggest å ikke drikke alkohol i svangerskapet, og hvor du kan få hjelp til å slutte.",
        [A.PARTNERS, A.PARENTS],
        [L.NB, L.EN],
        [T.PREGNANCY, T.ALCOHOL, T.FASD],
    ),
]


@transaction.atomic
def load_starter_set() -> int:
    """Create the national starter items that are missing (by key); items already there, and any edits made to
    them, are kept. Returns how many were created."""
    existing = set(Item.objects.filter(organisation__isnull=True).exclude(key="").values_list("key", flat=True))
    created = 0
    for key, kind, title, publisher, url, description, audiences, languages, topics in STARTER_SET:
        if key in existing:
            continue
        item = Item.objects.create(
            key=key, kind=kind, title=title, publisher=publisher, url=url, description=description, public=True
        )
        set_tags(item, audiences=audiences, languages=languages, topics=topics)
        created += 1
    return created
