"""Scale data: a believable national data set written straight into the database (issue 8).

`ScaleGenerator(persons=N, seed=S).run()` writes, for N persons (1,000,000 is the national size):

- 11 regions with real Norwegian municipalities (kindred/scale/municipalities.csv) and organisations in
  them (300 at national size): specialist units with departments, municipal services, allocation offices,
  child welfare, school health, low-threshold and voluntary services, GPs, schools, competence centres;
- staff users with memberships, and the benchmark personas (PERSONAS, password PERSONA_PASSWORD);
- N persons with valid synthetic fødselsnummer (python-stdnum computes the check digits) and Norwegian
  names: patients and relatives as clients, 0.35 N minor children related parent_of to them, other
  parents, partners and close relatives;
- 0.30 N episodes in every status, with the children question answered (or not), child sheets in every
  state, information to children, follow-up tasks (open, overdue, done), concern reports;
- 0.05 N referrals with the consents behind them and their status events, a few consultations;
- 0.02 N programme enrolments in runs with dated sessions, participants, attendance, evaluations and head
  counts for drop-in runs; help offers and self-referrals with youth intakes;
- 2 N instrument responses (staff-recorded, programme measures, anonymous self-tests) whose scores and
  zones come from the scoring engine, computed once per distinct answer pattern and reused;
- 5 N access-log rows over the last year.

Everything follows from the seed: one random.Random drives the plan (parts written side by side get
random.Randoms of their own, seeded from it), and ids are assigned here (from each table's largest id), so
the same seed and `today` on an empty database give the same rows with the same ids. Dates are relative
to `today`.

On PostgreSQL rows go in with COPY (psycopg 3) in batches of 200,000, one transaction each; outside a
transaction (not in tests) the big tables are written in parts on two connections at once, since index
upkeep in the server is what takes the time. When the role may (a superuser), the session skips the
per-row foreign-key triggers (session_replication_role); every foreign key written is then checked with
one anti-join each at the end. On SQLite rows go in with executemany in batches of 5,000. Nothing Django
owns is dropped or altered; the sequences are moved past the ids written and the tables analysed.
"""

from __future__ import annotations

import bisect
import csv
import gc
import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from functools import partial
from pathlib import Path
from random import Random

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from stdnum.no import fodselsnummer

from kindred.accounts.models import User
from kindred.audit.models import AccessLog
from kindred.care.follow_up import rebuild_follow_up
from kindred.care.models import (
    ChildFollowUp,
    ChildSheet,
    ChildSheetTemplate,
    ConcernReport,
    Episode,
    InformationGiven,
    Task,
)
from kindred.care.sheets import TITLES, default_sections
from kindred.consent.models import Consent
from kindred.directory.models import HelpOffer, SelfReferral, YouthIntake
from kindred.instruments import engine
from kindred.instruments.models import Instrument, Response
from kindred.instruments.services import parsed_definition, sync_builtin_instruments
from kindred.orgs.models import Membership, Municipality, Organisation, Role
from kindred.people.models import Person, Relationship
from kindred.programs.models import (
    Attendance,
    Enrolment,
    Participant,
    ProgrammeTemplate,
    Run,
    Session,
    SessionEvaluation,
)
from kindred.programs.services import sync_builtin_templates
from kindred.referrals.models import Consultation, ConsultationReply, Referral, ReferralEvent

MUNICIPALITIES_FILE = Path(__file__).resolve().parent / "municipalities.csv"
NATIONAL_PERSONS = 1_000_000
SMALL_PERSONS = 100_000
MIN_PERSONS = 1_000

PERSONA_PASSWORD = "kindred-bench-2026"


@dataclass(frozen=True)
class Persona:
    email: str
    full_name: str
    role: str
    where: str  # "unit": the first (largest) specialist unit; "centre": a competence centre


PERSONAS = (
    Persona("clinician@bench.kindred.no", "Kari Klinikker", Role.CLINICIAN, "unit"),
    Persona("barneansvarlig@bench.kindred.no", "Berit Barneansvarlig", Role.CHILD_RESPONSIBLE, "unit"),
    Persona("koordinator@bench.kindred.no", "Kristian Koordinator", Role.COORDINATOR, "unit"),
    Persona("gruppeleder@bench.kindred.no", "Gunn Gruppeleder", Role.GROUP_LEADER, "unit"),
    Persona("analytiker@bench.kindred.no", "Anders Analytiker", Role.ANALYST, "unit"),
    Persona("senter@bench.kindred.no", "Siri Senter", Role.ANALYST, "centre"),
)
PERSONA_EMAILS = tuple(p.email for p in PERSONAS)


@dataclass(frozen=True)
class Sizes:
    """Every count follows from the number of persons (the issue's national figures at 1,000,000)."""

    persons: int
    organisations: int
    episodes: int
    children: int
    referrals: int
    consultations: int
    enrolments: int
    self_referrals: int
    responses: int
    access_log: int

    @classmethod
    def for_persons(cls, persons: int) -> Sizes:
        if persons < MIN_PERSONS:
            raise ValueError(f"At least {MIN_PERSONS} persons.")
        f = persons / NATIONAL_PERSONS
        return cls(
            persons=persons,
            organisations=max(24, round(300 * f)),
            episodes=round(0.30 * persons),
            children=round(0.35 * persons),
            referrals=round(0.05 * persons),
            consultations=max(2, round(0.002 * persons)),
            enrolments=round(0.02 * persons),
            self_referrals=max(5, round(0.01 * persons)),
            responses=2 * persons,
            access_log=5 * persons,
        )


# --- Names ----------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


# Born 1940–2005: the parents, patients and other adults.
ADULT_FEMALE = _words(
    "Anne Inger Kari Marit Ingrid Liv Eva Berit Astrid Bjørg Hilde Anna Solveig Marianne Randi Ida Nina Maria "
    "Elisabeth Kristin Bente Heidi Silje Hanne Gerd Linda Tone Monica Wenche Camilla Julie Ragnhild Mette "
    "Kristine Karin Elin Turid Sissel Tove Lene Ellen Grete Stine Siri Line Trine Marte Ingeborg Hege Kirsten "
    "Cathrine Mona Thea Sara Maren Malin Ingvild Karoline Aisha Fatima Agnieszka Linh"
)
ADULT_MALE = _words(
    "Jan Per Bjørn Ole Lars Kjell Knut Arne Svein Thomas Hans Geir Tor Morten Terje Odd Erik Martin Andreas "
    "John Anders Rune Trond Tore Jon Harald Olav Einar Espen Gunnar Kristian Magnus Stian Eirik Jørgen Marius "
    "Daniel Christian Fredrik Tommy Rolf Leif Øyvind Kenneth Frode Helge Sindre Vegard Håkon Sigurd Petter Mats "
    "Kristoffer Even Joakim Henrik Ståle Mohammed Ali Piotr Tuan"
)
# Born 2008 and later: the children.
CHILD_FEMALE = _words(
    "Nora Emma Olivia Ella Sofie Sofia Leah Maja Ingrid Frida Sara Wilma Amalie Emilie Hedda Thea Ida Vilde "
    "Tiril Selma Astrid Aurora Iben Linnea Julie Mathilde Hanna Jenny Mia Eva Alma Marie Sigrid Tuva Oline Live "
    "Ellinor Mille Ada Hermine Amina Zofia"
)
CHILD_MALE = _words(
    "Jakob Noah Emil Lucas Oliver Filip William Isak Aksel Henrik Liam Johannes Magnus Elias Theodor Olav Sander "
    "Kasper Mathias Tobias Jonas Adrian Alexander Ludvig Oskar Håkon Leon Matheo Sebastian Ulrik Gustav Even "
    "Benjamin Odin Tiago Storm Mikkel Vetle Sverre Edvard Yusuf Jan"
)
FAMILY = _words(
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Johnsen Pettersen Eriksen "
    "Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl Jørgensen Henriksen Lund Halvorsen Sørensen Jakobsen "
    "Moen Gundersen Iversen Strand Solberg Svendsen Eide Knutsen Martinsen Paulsen Bakken Kristoffersen Mathisen "
    "Lie Amundsen Nguyen Rasmussen Ali Lunde Solheim Berge Moe Nygård Bakke Kristensen Fredriksen Holm Lien Hauge "
    "Christensen Andresen Nielsen Knudsen Evensen Sæther Aas Myhre Hanssen Ahmed Haugland Thomassen Sivertsen "
    "Simonsen Danielsen Berntsen Sandvik Rønning Arnesen Antonsen Næss Vik Haug Ellingsen Thorsen Edvardsen "
    "Birkeland Isaksen Gulbrandsen Ruud Aasen Strøm Myklebust Tangen Ødegård Eliassen Helland Bøe Jenssen Aune "
    "Mikkelsen Tveit Brekke Abrahamsen Madsen Khan Hussain Mohamed Nowak Kowalski Tran"
)


def _weighted(names: list[str], top: int = 4) -> list[str]:
    """The names repeated so that the first are about `top` times as common as the last."""
    out: list[str] = []
    last = max(len(names) - 1, 1)
    for i, name in enumerate(names):
        out.extend([name] * max(1, round(top - (top - 1) * i / last)))
    return out


GIVEN = {
    # (child?, male?) -> weighted list
    (False, False): _weighted(ADULT_FEMALE),
    (False, True): _weighted(ADULT_MALE),
    (True, False): _weighted(CHILD_FEMALE),
    (True, True): _weighted(CHILD_MALE),
}
FAMILY_WEIGHTED = _weighted(FAMILY, top=6)
ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A", "é": "e", "ü": "u"})

# --- Geography and organisations ------------------------------------------------------------------

# Population in thousands (2024, rounded): how organisations spread over the 11 regions.
REGION_WEIGHTS = {
    "Oslo": 717,
    "Akershus": 720,
    "Østfold": 311,
    "Innlandet": 373,
    "Vestfold": 256,
    "Agder": 318,
    "Rogaland": 499,
    "Vestland": 650,
    "Møre og Romsdal": 270,
    "Trøndelag": 480,
    "Nordland": 243,
}
# Oslo is one municipality: its services are named by district (bydel).
OSLO_DISTRICTS = [
    "Gamle Oslo",
    "Grünerløkka",
    "Sagene",
    "St. Hanshaugen",
    "Frogner",
    "Ullern",
    "Vestre Aker",
    "Nordre Aker",
    "Bjerke",
    "Grorud",
    "Stovner",
    "Alna",
    "Østensjø",
    "Nordstrand",
    "Søndre Nordstrand",
]

K = Organisation.Kind
SPEC_TOP, SPEC_SUB = "specialist_top", "specialist_sub"
# Share of the organisations (besides the first unit and its departments).
KIND_SHARES = (
    (SPEC_TOP, 0.07),
    (SPEC_SUB, 0.13),
    (K.MUNICIPAL_SERVICE, 0.24),
    (K.ALLOCATION_OFFICE, 0.07),
    (K.CHILD_WELFARE, 0.13),
    (K.SCHOOL_HEALTH, 0.09),
    (K.LOW_THRESHOLD, 0.09),
    (K.VOLUNTARY, 0.05),
    (K.KINDERGARTEN_SCHOOL, 0.05),
    (K.GP, 0.05),
    (K.COMPETENCE_CENTRE, 0.03),
)
DEPARTMENTS = (
    "avdeling for avrusning",
    "døgnbehandling",
    "poliklinikk",
    "ungdomsteam",
    "spilleavhengighet",
    "familieteam",
    "ambulant team",
    "LAR-poliklinikk",
)
# Share of all episodes held by organisations of each kind.
EPISODE_SHARES = {K.SPECIALIST_UNIT: 0.50, K.MUNICIPAL_SERVICE: 0.27, K.ALLOCATION_OFFICE: 0.08, K.LOW_THRESHOLD: 0.15}
# Share of an organisation's episodes where the client is a relative in their own right.
RELATIVE_SHARE = {K.MUNICIPAL_SERVICE: 0.15, K.LOW_THRESHOLD: 0.45}
EK = Episode.Kind
PATIENT_KINDS = {
    K.SPECIALIST_UNIT: ((EK.INPATIENT_DETOX, 0.2), (EK.INPATIENT_LONG_TERM, 0.2), (EK.OUTPATIENT, 0.6)),
    K.MUNICIPAL_SERVICE: ((EK.HOME_SERVICE, 0.7), (EK.OUTPATIENT, 0.3)),
    K.ALLOCATION_OFFICE: ((EK.ALLOCATION, 1.0),),
    K.LOW_THRESHOLD: ((EK.LOW_THRESHOLD, 1.0),),
}
# Days an episode of each kind lasts when it ends (min, max).
EPISODE_DAYS = {
    EK.INPATIENT_DETOX: (4, 14),
    EK.INPATIENT_LONG_TERM: (60, 365),
    EK.OUTPATIENT: (30, 540),
    EK.HOME_SERVICE: (60, 720),
    EK.ALLOCATION: (5, 60),
    EK.LOW_THRESHOLD: (7, 365),
    EK.RELATIVE: (14, 365),
}
AREAS = (("alcohol", 0.5), ("drugs", 0.35), ("medicines", 0.1), ("gambling", 0.08), ("mental_health", 0.3))
R = Role
STAFF_PATTERN = (R.CLINICIAN, R.CLINICIAN, R.CHILD_RESPONSIBLE, R.CLINICIAN, R.COORDINATOR, R.CLINICIAN, R.GROUP_LEADER)
PERSONAL = (R.CLINICIAN, R.CHILD_RESPONSIBLE, R.COORDINATOR, R.GROUP_LEADER)

# --- Texts ----------------------------------------------------------------------------------------

SHEET_ANSWERS = {
    "lives_where": ["Hos mor", "Hos far", "Hos begge foreldrene", "Delt bosted", "Hos besteforeldre", "I fosterhjem"],
    "cared_by_now": ["Mor", "Far", "Mor og mormor", "Far og farmor", "Den andre forelderen", "Besteforeldre"],
    "child_knows": ["Vet at forelderen er på behandling", "Vet lite", "Vet ikke", "Har fått alderstilpasset info"],
    "other_parent": ["Samvær annenhver helg", "Ingen kontakt", "Bor sammen", "Samvær etter avtale"],
    "important_adults": ["Mormor", "Tante", "Lærer", "Fotballtrener", "Nabo", "Farfar"],
    "kindergarten_school": ["Går i barnehage", "Barneskole", "Ungdomsskole", "Videregående", "Ikke i barnehage"],
    "adequate_supervision": ["Ja", "Ja, ved den andre forelderen", "Usikkert om kveldene", "Avklart med barnevernet"],
    "impact": ["Lite påvirket", "Bekymret og sliten", "Problemer med søvn", "Trekker seg unna venner"],
    "needs": ["Informasjon", "Barnesamtale", "Barnegruppe", "Oppfølging på skolen", "Ingen akutte behov"],
    "network": ["Besteforeldre og skole", "Helsesykepleier", "Barnevernet", "Lite nettverk"],
    "who_to_inform": ["Skolen, samtykke gitt", "Barnehagen, samtykke gitt", "Ingen foreløpig", "Helsestasjonen"],
    "parent_wishes": ["Ønsker samarbeid", "Ønsker at barnet får snakke med noen", "Usikker", "Vil vente"],
    "agreed_measures": ["Barnesamtale avtalt", "Kontakt med skolen", "Henvist barnegruppe", "Ny samtale om en måned"],
    "contingency": ["Mormor tar over", "Den andre forelderen", "Tante", "Barnevernsvakten ved behov"],
    "voluntary_help": ["Ikke aktuelt", "Vurderes", "I gang", "Ønskes ikke av foreldrene"],
}
SHEET_KEYS = list(SHEET_ANSWERS)
CONTACT_ARRANGEMENTS = ("Samvær annenhver helg", "Bor hos den andre forelderen", "Ingen fast avtale", "")
TASK_TITLES = (
    "Barnesamtale",
    "Følge opp barnearket",
    "Informasjon til barnet",
    "Kontakt med skolehelsetjenesten",
    "Avklare samvær og omsorg",
    "Vurdere bekymringsmelding",
    "Kontakte barnevernet",
    "Planlegge beredskap",
)
EPISODE_TASKS = ("Spørre om barn og søsken", "Avtale pårørendesamtale", "Oppdatere behandlingsplan")
SUMMARIES = (
    "Skolehelsetjenesten følger opp; mor informert.",
    "Barnet har fått samtale og deltar i barnegruppe.",
    "Barnevernet er koblet på med frivillige tiltak.",
    "Den andre forelderen har daglig omsorg; informert om behandlingen.",
)
CONCERN_REASONS = (
    "Mangelfullt tilsyn om kveldene.",
    "Barnet har vært alene hjemme over tid.",
    "Vold i hjemmet er nevnt i samtale.",
    "Forelderen er i aktiv rus og har daglig omsorg.",
    "Barnet viser tydelige tegn på belastning.",
)
REFERRAL_REASONS = (
    "Trenger oppfølging av barna.",
    "Ønsker videre behandling nær hjemmet.",
    "Behov for pårørendestøtte.",
    "Avklaring av omsorgssituasjonen.",
    "Henvises for vurdering av rett til helsehjelp.",
)
CONSULTATION_TITLES = (
    "Mor i aktiv rus, barn på 4 år",
    "Hvordan snakke med ungdom om fars spilling?",
    "Samarbeid rundt familie med flere tjenester",
    "Far ønsker ikke at barna informeres",
)
VENUES = ("Møterom 1", "Samtalerom 2", "Storsalen", "Kantina, 2. etasje", "Frivilligsentralen", "Digitalt")
HELP_WANTED = (
    "Jeg vil gjerne snakke med noen om pappa som drikker.",
    "Broren min spiller bort alle pengene sine.",
    "Mamma ruser seg, og jeg vet ikke hvem jeg kan snakke med.",
    "Jeg trenger noen å snakke med om samboeren min.",
    "Jeg vokste opp med rus i familien og sliter fortsatt.",
)


def _ascii(text: str) -> str:
    return text.translate(ASCII).lower().replace(" ", "")


# --- Output: progress and the two ways of writing rows ---------------------------------------------


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """A plain-text progress bar for one table: rows, rows per second and the time left.

    On a terminal one line is redrawn; elsewhere (a log file), or while several tables are written at once,
    a line is printed every few seconds."""

    WIDTH = 28

    def __init__(self, label: str, total: int, stream, enabled: bool = True, *, lines: bool = False) -> None:
        self.label, self.total, self.stream, self.enabled = label, total, stream, enabled and stream is not None
        self.count = 0
        self.start = self.last = time.monotonic()
        self.begun = False
        isatty = getattr(stream, "isatty", None)
        self.tty = bool(isatty and isatty()) and not lines
        self.interval = 0.25 if self.tty else (5.0 if lines else 15.0)

    def begin(self) -> None:
        """The clock starts when the first rows are made (a part may wait for a free connection)."""
        if not self.begun:
            self.begun = True
            self.start = self.last = time.monotonic()

    def advance(self, n: int) -> None:
        self.count += n
        now = time.monotonic()
        if self.enabled and now - self.last >= self.interval:
            self.last = now
            self._show(now, final=False)

    def finish(self) -> float:
        now = time.monotonic()
        if self.enabled:
            self._show(now, final=True)
        return now - self.start

    def _show(self, now: float, *, final: bool) -> None:
        elapsed = max(now - self.start, 1e-9)
        rate = self.count / elapsed
        total = max(self.total, self.count, 1)
        share = self.count / total if not final else 1.0
        bar = "#" * int(share * self.WIDTH)
        tail = f"in {_duration(elapsed)}" if final else f"ETA {_duration((total - self.count) / rate if rate else 0)}"
        line = (
            f"{self.label:<26} [{bar:<{self.WIDTH}}] {share * 100:5.1f}% {self.count:>11,}/{total:<11,} "
            f"{rate:>9,.0f} rows/s  {tail}"
        )
        if self.tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


@dataclass
class Job:
    """Rows for one table: `rows` is called where they are written (maybe another thread), and must use
    nothing shared that changes (its own random.Random, ids it was given)."""

    model: type
    columns: list[str]
    rows: Callable[[], Iterable[tuple]]
    total: int
    label: str = ""


class Writer:
    """Rows into tables: COPY on PostgreSQL, executemany on SQLite; ids are assigned by the caller.

    On PostgreSQL, outside a transaction, the jobs given together run on `workers` connections at once
    (index upkeep in the database, not Python, is what takes the time); the rows are the same either way."""

    PG_BATCH = 200_000
    SQLITE_BATCH = 5_000
    TICK = 5_000

    def __init__(self, stream, verbosity: int = 1, workers: int = 2) -> None:
        self.stream, self.verbosity, self.workers = stream, verbosity, workers
        self.postgres = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.models: list = []
        self._next: dict[str, int] = {}
        self._lock = threading.Lock()
        # None: not tried yet; True: foreign-key triggers are off in this session; False: not allowed.
        self.skip_triggers: bool | None = None
        # CPU seconds spent by the database server's processes for these connections (local servers only).
        self.server_cpu = 0.0
        self._local = threading.local()

    def next_id(self, model) -> int:
        """The first free id of the model's table (ids written here continue from it)."""
        table = model._meta.db_table
        if table not in self._next:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                self._next[table] = cursor.fetchone()[0] + 1
        return self._next[table]

    @property
    def parallel(self) -> bool:
        return self.postgres and self.workers > 1 and not connection.in_atomic_block

    def write(self, model, columns: list[str], rows, total: int, label: str | None = None) -> int:
        return self.write_jobs([Job(model, columns, lambda: rows, total, label or "")])

    def write_jobs(self, jobs: list[Job]) -> int:
        """Write the jobs (several may be parts of one table, with ids of their own); one bar per table."""
        parallel = self.parallel and len(jobs) > 1
        progress: dict[str, Progress] = {}
        remaining: dict[str, int] = {}
        for job in jobs:
            key = job.label or job.model._meta.db_table
            if key not in progress:
                progress[key] = Progress(key, 0, self.stream, self.verbosity > 0, lines=parallel)
                remaining[key] = 0
            progress[key].total += job.total
            remaining[key] += 1
        for job in jobs:
            # Ids continue from the table's first free id, fetched now (never while a COPY is open).
            self.next_id(job.model)

        def run(job: Job) -> int:
            key = job.label or job.model._meta.db_table
            with self._lock:
                progress[key].begin()
            if self.postgres:
                written = self._copy(job.model._meta.db_table, job.columns, job.rows(), progress[key])
            else:
                written = self._insert(job.model, job.columns, job.rows(), progress[key])
            with self._lock:
                remaining[key] -= 1
                if remaining[key] == 0:
                    self.seconds[key] = progress[key].finish()
            return written

        if parallel:
            with ThreadPoolExecutor(self.workers) as pool:
                written = [f.result() for f in [pool.submit(self._in_own_connection, run, job) for job in jobs]]
        else:
            written = [run(job) for job in jobs]
        for job, n in zip(jobs, written, strict=True):
            table = job.model._meta.db_table
            self.counts[table] = self.counts.get(table, 0) + n
            if job.model not in self.models:
                self.models.append(job.model)
        for model in {job.model for job in jobs}:
            mine = [(job, n) for job, n in zip(jobs, written, strict=True) if job.model is model]
            if "id" in mine[0][0].columns:
                self._next[model._meta.db_table] += sum(n for _job, n in mine)
        return sum(written)

    def _in_own_connection(self, run, job: Job) -> int:
        # A worker thread has a connection of its own (Django's connections are per thread).
        try:
            self.configure_session()
            return run(job)
        finally:
            self._count_server_cpu()
            connection.close()

    def _server_cpu(self) -> tuple[int, float] | None:
        """(pid, CPU seconds) of this connection's server process, when the server runs on this machine."""
        if not self.postgres or connection.settings_dict.get("HOST") not in ("127.0.0.1", "localhost", "", None):
            return None
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError, DatabaseError):
            return None

    def _count_server_cpu(self) -> None:
        start = getattr(self._local, "cpu", None)
        now = self._server_cpu()
        if start and now and start[0] == now[0]:
            with self._lock:
                self.server_cpu += now[1] - start[1]
        self._local.cpu = None

    def configure_session(self) -> None:
        """For this connection: no waiting for the disk at each commit, and, when the role may (a superuser),
        no per-row foreign-key triggers: the ids are consistent by construction, and `verify_references`
        checks every reference in one query per foreign key afterwards."""
        if not self.postgres:
            return
        self._local.cpu = self._server_cpu()
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
            if self.skip_triggers is not False:
                try:
                    with transaction.atomic():
                        cursor.execute("SET session_replication_role TO replica")
                    self.skip_triggers = True
                except DatabaseError:
                    self.skip_triggers = False

    def restore_session(self) -> None:
        self._count_server_cpu()
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
                if self.skip_triggers:
                    cursor.execute("RESET session_replication_role")

    def verify_references(self) -> float:
        """Every foreign key written points at an existing row (one anti-join per key); returns the seconds.
        Raises RuntimeError naming the columns with dangling references."""
        started = time.monotonic()
        qn = connection.ops.quote_name
        broken = []
        with transaction.atomic(), connection.cursor() as cursor:
            if self.postgres:
                cursor.execute("SET LOCAL work_mem TO '256MB'")
            for model in self.models:
                for field in model._meta.concrete_fields:
                    if not (field.is_relation and field.many_to_one):
                        continue
                    table, column = model._meta.db_table, field.column
                    target = field.related_model._meta.db_table
                    target_column = field.target_field.column
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {qn(table)} c WHERE c.{qn(column)} IS NOT NULL AND NOT EXISTS "  # noqa: S608
                        f"(SELECT 1 FROM {qn(target)} t WHERE t.{qn(target_column)} = c.{qn(column)})"
                    )
                    missing = cursor.fetchone()[0]
                    if missing:
                        broken.append(f"{table}.{column}: {missing}")
        if broken:
            raise RuntimeError("Dangling references in the scale data: " + ", ".join(broken))
        return time.monotonic() - started

    def _copy(self, table: str, columns: list[str], rows, progress: Progress) -> int:
        qn = connection.ops.quote_name
        sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        iterator = iter(rows)
        written, exhausted = 0, False
        while not exhausted:
            in_batch = 0
            with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                write_row = copy.write_row
                tick = 0
                for row in iterator:
                    write_row(row)
                    tick += 1
                    if tick == self.TICK:
                        progress.advance(tick)
                        in_batch += tick
                        tick = 0
                        if in_batch >= self.PG_BATCH:
                            break
                else:
                    exhausted = True
                progress.advance(tick)
                in_batch += tick
            written += in_batch
        return written

    def _insert(self, model, columns: list[str], rows, progress: Progress) -> int:
        qn = connection.ops.quote_name
        table = model._meta.db_table
        sql = (
            f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        fields = {f.column: f for f in model._meta.concrete_fields}
        converters = []
        for i, column in enumerate(columns):
            kind = fields[column].get_internal_type() if column in fields else ""
            if kind == "DateTimeField":
                converters.append((i, _sqlite_datetime))
            elif kind in ("DateField", "TimeField"):
                converters.append((i, _sqlite_text))
            elif kind == "BooleanField":
                converters.append((i, _sqlite_bool))
        written = 0
        batch: list = []
        with transaction.atomic(), connection.cursor() as cursor:
            for row in rows:
                if converters:
                    row = list(row)
                    for i, convert in converters:
                        row[i] = convert(row[i])
                batch.append(row)
                if len(batch) == self.SQLITE_BATCH:
                    cursor.executemany(sql, batch)
                    written += len(batch)
                    progress.advance(len(batch))
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                written += len(batch)
                progress.advance(len(batch))
        return written

    def reset_sequences(self) -> None:
        if not self.postgres or not self.models:
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(sql)

    def analyze(self) -> str:
        """VACUUM ANALYZE (or ANALYZE) every table written; the command used, or "" on SQLite."""
        if not self.postgres:
            return ""
        qn = connection.ops.quote_name
        # VACUUM as well where it can run (not inside a transaction, e.g. a test's): a maintained database has
        # its visibility maps set, so index-only scans need not visit the heap. Freshly COPYed tables have none,
        # and autovacuum may be off or not have run yet when the benchmark starts.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in self.models:
                cursor.execute(f"{command} {qn(model._meta.db_table)}")
        return command


def _sqlite_datetime(value):
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _sqlite_text(value):
    return None if value is None else value.isoformat()


def _sqlite_bool(value):
    return None if value is None else int(value)


def by_subject(row: tuple) -> int:
    """Access-log rows by the person they are about (column 6), rows about no one first."""
    return row[6] or 0


def _rint(random, lo: int, hi: int) -> int:
    """A whole number from lo to hi (both included), from random() alone: much faster than randint."""
    return lo + int(random() * (hi - lo + 1))


class Chooser:
    """One value from fixed (value, weight) pairs, by a bisection on the cumulative weights."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, pairs) -> None:
        self.values = [v for v, _w in pairs]
        self.cum = _cumulative(w for _v, w in pairs)
        self.total = self.cum[-1]

    def __call__(self, random):
        return self.values[bisect.bisect(self.cum, random() * self.total)]


# --- The plan ------------------------------------------------------------------------------------


class Org:
    """One organisation in the plan, with its staff and its share of the episodes."""

    __slots__ = (
        "episodes",
        "id",
        "index",
        "kind",
        "municipality",
        "name",
        "parent",
        "region",
        "relative_share",
        "staff",
        "weight",
    )

    def __init__(self, index, name, kind, municipality, region, parent=None):
        self.index, self.name, self.kind = index, name, kind
        self.municipality, self.region, self.parent = municipality, region, parent
        self.weight = 0.0
        self.relative_share = RELATIVE_SHARE.get(kind, 0.0)
        self.episodes = 0
        self.id = 0
        # role -> [(user id, email)]
        self.staff: dict[str, list[tuple[int, str]]] = {}

    def users(self, *roles) -> list[tuple[int, str]]:
        return [u for role in roles for u in self.staff.get(role, [])]


class Ep:
    """One episode in the plan."""

    __slots__ = (
        "affected",
        "answer",
        "answered_days",
        "areas",
        "child_contact",
        "due",
        "end",
        "family",
        "id",
        "kind",
        "org",
        "pregnancy",
        "referred_by",
        "responsible",
        "secs",
        "siblings",
        "source",
        "start",
        "status",
    )


class Family:
    """A client and the people around them: members[0] is the client (patient or relative)."""

    __slots__ = ("children", "episodes", "first", "members", "pid", "relative", "rels")

    def __init__(self) -> None:
        # members: (male, birth ordinal, given name, family name, days after the first episode it was registered)
        self.members: list[tuple[bool, int, str, str, int]] = []
        # rels: (from member, to member, kind, description, parental responsibility, contact, lives together)
        self.rels: list[tuple] = []
        self.children: list[int] = []
        self.episodes: list[Ep] = []
        self.first = 0
        self.pid = 0
        self.relative = False


def _pick(rng: Random, cum: list[float], items: list):
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


_CHOOSERS: dict[tuple, Chooser] = {}


def _choose(rng: Random, pairs: tuple):
    """One value from ((value, weight), ...)."""
    chooser = _CHOOSERS.get(pairs)
    if chooser is None:
        chooser = _CHOOSERS[pairs] = Chooser(pairs)
    return chooser(rng.random)


def _apportion(total: int, weights: list[float], rng: Random, minimum: int = 0) -> list[int]:
    """`total` split by weights (largest remainder, ties broken by the seed), each at least `minimum`."""
    n = len(weights)
    counts = [minimum] * n
    left = total - minimum * n
    if left <= 0:
        return counts
    s = sum(weights)
    exact = [left * w / s for w in weights]
    floors = [int(x) for x in exact]
    counts = [c + f for c, f in zip(counts, floors, strict=True)]
    order = sorted(range(n), key=lambda i: exact[i] - floors[i] + rng.random() * 1e-6, reverse=True)
    for i in order[: left - sum(floors)]:
        counts[i] += 1
    return counts


class ScaleGenerator:
    def __init__(
        self,
        persons: int = NATIONAL_PERSONS,
        seed: int = 1,
        stream=None,
        verbosity: int = 1,
        today: date | None = None,
        workers: int = 2,
    ) -> None:
        self.sizes = Sizes.for_persons(persons)
        self.seed = seed
        self.rng = Random(seed)  # noqa: S311 - synthetic data, reproducible from the seed
        self.stream = stream
        self.verbosity = verbosity
        self.today: date = today or timezone.localdate()
        self.today_ord = self.today.toordinal()
        self.writer = Writer(stream, verbosity, workers)
        self._days: dict[int, date] = {}
        self._midnights: dict[int, datetime] = {}

    # -- small helpers

    def say(self, text: str) -> None:
        if self.verbosity and self.stream is not None:
            self.stream.write(text + "\n")
            self.stream.flush()

    def day(self, ordinal: int) -> date:
        d = self._days.get(ordinal)
        if d is None:
            d = self._days[ordinal] = date.fromordinal(ordinal)
        return d

    def at(self, ordinal: int, seconds: int) -> datetime:
        """A time on a day (UTC), `seconds` after midnight; never later than the start of today."""
        if ordinal >= self.today_ord:
            ordinal, seconds = self.today_ord - 1, min(seconds, 20 * 3600)
        m = self._midnights.get(ordinal)
        if m is None:
            d = self.day(ordinal)
            m = self._midnights[ordinal] = datetime(d.year, d.month, d.day, tzinfo=UTC)
        return m + timedelta(seconds=seconds)

    def work_secs(self, random=None) -> int:
        """Seconds after midnight (UTC) in working hours."""
        return 21600 + int((random or self.rng.random)() * 39600)

    # -- the whole run

    def run(self) -> dict:
        started, cpu_started = time.monotonic(), time.process_time()
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self.writer.configure_session()
            self._prepare()
            self._organisations()
            self._users()
            self._families()
            self._people()
            self._care()
            self._referrals()
            self._consultations()
            self._programmes()
            self._directory()
            self._big_tables()
            self._derived()
            seconds = self.writer.verify_references()
            self.say(f"Checked every reference written in {_duration(seconds)}")
            self.writer.reset_sequences()
            t = time.monotonic()
            command = self.writer.analyze()
            if command:
                self.say(f"{command} in {_duration(time.monotonic() - t)}")
        finally:
            if gc_was_enabled:
                gc.enable()
            self.writer.restore_session()
        return {
            "seconds": time.monotonic() - started,
            "python_cpu": time.process_time() - cpu_started,
            "server_cpu": self.writer.server_cpu,
            "counts": dict(self.writer.counts),
            "unit": self.unit.name,
            "centre": self.centre.name,
        }

    # -- derived rows, from what was written, by the same statement the use cases use

    def _derived(self) -> None:
        t = time.monotonic()
        with transaction.atomic():
            rows = rebuild_follow_up()
        self.writer.counts[ChildFollowUp._meta.db_table] = rows
        self.writer.models.append(ChildFollowUp)
        self.say(f"Children overview rows ({rows:,}) from the facts in {_duration(time.monotonic() - t)}")

    # -- reference data

    def _prepare(self) -> None:
        call_command("load_municipalities", str(MUNICIPALITIES_FILE), verbosity=0)
        sync_builtin_instruments()
        sync_builtin_templates()
        self.sheet_template, _ = ChildSheetTemplate.objects.get_or_create(
            organisation=None,
            language="nb",
            version=1,
            defaults={"title": TITLES["nb"], "sections": default_sections("nb")},
        )
        self.municipalities: dict[str, list[tuple[str, str]]] = {}
        with open(MUNICIPALITIES_FILE, encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter=";"):
                self.municipalities.setdefault(row["region"], []).append((row["number"], row["name"]))
        self.municipality_ids = dict(
            Municipality.objects.filter(
                country="NO", number__in=[n for ms in self.municipalities.values() for n, _ in ms]
            ).values_list("number", "id")
        )

    # -- organisations

    def _organisations(self) -> None:
        rng, sizes = self.rng, self.sizes
        regions = list(REGION_WEIGHTS)
        orgs: list[Org] = []
        names: dict[str, int] = {}
        used: dict[tuple[str, str], int] = {}  # (kind, municipality) -> times used

        def unique(name: str) -> str:
            names[name] = names.get(name, 0) + 1
            return name if names[name] == 1 else f"{name} {names[name]}"

        def municipal_name(kind: str, region: str) -> tuple[str, str]:
            munis = self.municipalities[region]
            n = sum(1 for (k, _r) in used if k == kind and _r in {m for m, _ in munis})
            number, town = munis[n % len(munis)]
            times = used.get((kind, number), 0)
            used[(kind, number)] = times + 1
            if number == "0301":
                place, owner = f"bydel {OSLO_DISTRICTS[times % len(OSLO_DISTRICTS)]}", "Oslo kommune"
            else:
                place, owner = town, f"{town} kommune"
            team = "" if times < (len(OSLO_DISTRICTS) if number == "0301" else 1) else f", team {times + 1}"
            district = f", {place}" if number == "0301" else ""
            label = {
                K.MUNICIPAL_SERVICE: f"{owner}, rus- og psykisk helsetjeneste{district}",
                K.ALLOCATION_OFFICE: f"{owner}, tildelingskontoret{district}",
                K.CHILD_WELFARE: f"Barneverntjenesten i {place}",
                K.SCHOOL_HEALTH: f"Helsestasjon og skolehelsetjenesten i {place}",
                K.LOW_THRESHOLD: f"Lavterskeltilbudet for pårørende i {place}",
                K.VOLUNTARY: f"Pårørendeforeningen i {place}",
                K.KINDERGARTEN_SCHOOL: f"{owner}, oppvekst – barnehage og skole{district}",
                K.GP: f"Legesenteret i {place}",
            }[kind]
            return unique(label + team), number

        # 1. The first organisation: the largest specialist unit, in Oslo, with departments of its own.
        unit = Org(0, unique("Rusklinikken Oslo"), K.SPECIALIST_UNIT, "0301", "Oslo")
        orgs.append(unit)
        unit_departments = 3 if sizes.organisations >= 100 else 1
        for i in range(unit_departments):
            orgs.append(Org(len(orgs), unique(f"{unit.name}, {DEPARTMENTS[i]}"), K.SPECIALIST_UNIT, "0301", "Oslo", 0))

        rest = sizes.organisations - len(orgs)
        counts = dict(
            zip([k for k, _ in KIND_SHARES], _apportion(rest, [s for _k, s in KIND_SHARES], rng, 1), strict=True)
        )
        weights = [REGION_WEIGHTS[r] for r in regions]

        # 2. Specialist units, one region after another by size, each with departments.
        by_size = sorted(regions, key=lambda r: -REGION_WEIGHTS[r])
        tops = []
        per_region = _apportion(counts[SPEC_TOP], weights, rng)
        top_names = (
            "Rusklinikken {}",
            "Senter for rus- og avhengighetsbehandling {}",
            "Avdeling for rus og avhengighet {}",
            "Klinikk for avhengighetsbehandling {}",
            "Rusbehandling {} øst",
            "Rusbehandling {} vest",
        )
        in_town = {"0301": 1}  # the first unit is Oslo's first
        for region, n in zip(regions, per_region, strict=True):
            for j in range(n):
                number, town = self.municipalities[region][j % len(self.municipalities[region])]
                k = in_town.get(number, 0)
                in_town[number] = k + 1
                name = unique(top_names[k % len(top_names)].format(town))
                tops.append(Org(0, name, K.SPECIALIST_UNIT, number, region))
        tops.sort(key=lambda o: by_size.index(o.region))
        subs: list[list[Org]] = [[] for _ in tops]
        for i in range(counts[SPEC_SUB]):
            t = i % len(tops)
            top = tops[t]
            dept = DEPARTMENTS[len(subs[t]) % len(DEPARTMENTS)]
            subs[t].append(Org(0, unique(f"{top.name}, {dept}"), K.SPECIALIST_UNIT, top.municipality, top.region))
        # 3. Everything else, by region.
        others: dict[str, list[Org]] = {r: [] for r in regions}
        for kind, _share in KIND_SHARES:
            if kind in (SPEC_TOP, SPEC_SUB):
                continue
            per_region = _apportion(counts[kind], weights, rng)
            for region, n in zip(regions, per_region, strict=True):
                for _ in range(n):
                    if kind == K.COMPETENCE_CENTRE:
                        main = self.municipalities[region][0]
                        name, number = unique(f"Regionalt kompetansesenter rus, {region}"), main[0]
                    else:
                        name, number = municipal_name(kind, region)
                    others[region].append(Org(0, name, kind, number, region))
        for top, departments in zip(tops, subs, strict=True):
            top.index = len(orgs)
            orgs.append(top)
            for dept in departments:
                dept.index, dept.parent = len(orgs), top.index
                orgs.append(dept)
        for region in regions:
            for org in others[region]:
                org.index = len(orgs)
                orgs.append(org)

        base = self.writer.next_id(Organisation)
        for org in orgs:
            org.id = base + org.index
        self.orgs = orgs
        self.unit = unit
        self.centre = next(o for o in orgs if o.kind == K.COMPETENCE_CENTRE)

        # Episode weights: each kind's share spread over its organisations, some larger than others.
        e, unit_episodes = sizes.episodes, max(round(0.01 * sizes.episodes), min(60, sizes.episodes // 10))
        self.unit_episodes = unit_episodes
        for kind, share in EPISODE_SHARES.items():
            members = [o for o in orgs if o.kind == kind and o is not unit]
            factors = [
                rng.lognormvariate(0, 0.5) * (0.5 if o.kind == K.SPECIALIST_UNIT and o.parent is None else 1)
                for o in members
            ]
            s = sum(factors)
            for o, f in zip(members, factors, strict=True):
                o.weight = share * f / s
        holders = [o for o in orgs if o.weight > 0]
        self.holders = holders
        # The first unit is the largest: no other organisation is planned above nine tenths of it (when the
        # others can hold the rest that way).
        cap = 0.9 * unit_episodes / (e - unit_episodes)
        if cap * len(holders) > 1.2:
            for _ in range(50):
                over = [o for o in holders if o.weight > cap]
                if not over:
                    break
                excess = sum(o.weight - cap for o in over)
                for o in over:
                    o.weight = cap
                under = [o for o in holders if o.weight < cap]
                s = sum(o.weight for o in under)
                for o in under:
                    o.weight += excess * o.weight / s
        self.holders_by_region: dict[str, tuple[list[Org], list[float]]] = {}
        self.relative_by_region: dict[str, tuple[list[Org], list[float]]] = {}
        for region in regions:
            members = [o for o in holders if o.region == region]
            if members:
                self.holders_by_region[region] = (members, _cumulative(o.weight for o in members))
            rel = [o for o in members if o.relative_share]
            if rel:
                self.relative_by_region[region] = (rel, _cumulative(o.weight * o.relative_share for o in rel))
        rel_all = [o for o in holders if o.relative_share]
        self.relative_all = (rel_all, _cumulative(o.weight * o.relative_share for o in rel_all))
        self.holders_cum = _cumulative(o.weight for o in holders)
        for o in holders:
            o.episodes = round(o.weight * (e - unit_episodes))
        unit.episodes = unit_episodes
        self.by_kind_region: dict[tuple[str, str], list[Org]] = {}
        self.by_kind: dict[str, list[Org]] = {}
        for o in orgs:
            self.by_kind_region.setdefault((o.kind, o.region), []).append(o)
            self.by_kind.setdefault(o.kind, []).append(o)

        rows = [
            (o.id, o.name, o.kind, orgs[o.parent].id if o.parent is not None else None, o.municipality, "NO", False)
            for o in orgs
        ]
        self.writer.write(
            Organisation,
            ["id", "name", "kind", "parent_id", "municipality_number", "country", "require_two_factor"],
            rows,
            len(rows),
        )

    # -- users and memberships

    def _users(self) -> None:
        rng = self.rng
        now = self.at(self.today_ord - 1, 12 * 3600)
        users, memberships = [], []
        uid = self.writer.next_id(User)
        personas = {}
        password = make_password(PERSONA_PASSWORD)  # one hash for all: Argon2 is slow on purpose
        for persona in PERSONAS:
            org = self.unit if persona.where == "unit" else self.centre
            users.append((uid, password, persona.email, persona.full_name, "nb", now))
            memberships.append((uid, org.id, persona.role, now))
            org.staff.setdefault(persona.role, []).append((uid, persona.email))
            personas[persona.role if persona.where == "unit" else "centre"] = uid
            uid += 1
        self.personas = personas
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        serial = 0
        for org in self.orgs:
            holds_episodes = org.weight or org is self.unit
            n = min(60, max(4, round(org.episodes / 75))) if holds_episodes else _rint(rng.random, 3, 6)
            roles = [R.ORG_ADMIN] + [STAFF_PATTERN[i % len(STAFF_PATTERN)] for i in range(n - 1)]
            if n >= 6:
                roles[-1] = R.ANALYST
            for role in roles:
                male = rng.random() < 0.35
                given, family = rng.choice(GIVEN[(False, male)]), rng.choice(FAMILY_WEIGHTED)
                serial += 1
                email = f"{_ascii(given)}.{_ascii(family)}.{serial}@scale.kindred.no"
                password = "!" + "".join(rng.choice(alphabet) for _ in range(40))
                joined = self.at(self.today_ord - _rint(rng.random, 30, 2000), self.work_secs())
                users.append((uid, password, email, f"{given} {family}", "nb", joined))
                memberships.append((uid, org.id, role, joined))
                org.staff.setdefault(role, []).append((uid, email))
                uid += 1
        self.writer.write(
            User,
            [
                "id",
                "password",
                "is_superuser",
                "email",
                "full_name",
                "language",
                "is_active",
                "is_staff",
                "date_joined",
                "session_generation",
            ],
            ((u[0], u[1], False, u[2], u[3], u[4], True, False, u[5], 0) for u in users),
            len(users),
        )
        mid = self.writer.next_id(Membership)
        self.writer.write(
            Membership,
            ["id", "user_id", "organisation_id", "role", "created_at"],
            ((mid + i, *m) for i, m in enumerate(memberships)),
            len(memberships),
        )
        self.user_email = {u[0]: u[2] for u in users}
        self.user_role = {}
        for m in memberships:
            self.user_role.setdefault(m[0], m[2])

    # -- families: clients, children, other parents, relatives; and their episodes

    def _families(self) -> None:
        rng, sizes, today = self.rng, self.sizes, self.today_ord
        t0 = time.monotonic()
        families: list[Family] = []
        episodes_left = sizes.episodes
        unit_left = self.unit_episodes
        clinician = self.personas[R.CLINICIAN]
        clinician_left = round(0.10 * self.unit_episodes)
        child_contact = self.personas[R.CHILD_RESPONSIBLE]
        persona_ids = set(self.personas.values())
        # The share of answered families that have children, so that the children come out right.
        mean_children = 2.2
        p_children = min(0.95, sizes.children / mean_children / (sizes.episodes / 1.14 * 0.93))
        children_left = sizes.children
        choose, random = _choose, rng.random
        randint = partial(_rint, random)

        def adult(male: bool, years: tuple[int, int], family_name: str, created: int = 0):
            birth = today - randint(years[0] * 366, years[1] * 365 + 300)  # 366: of age, leap days or not
            return (male, birth, rng.choice(GIVEN[(False, male)]), family_name, created)

        while episodes_left > 0:
            fam = Family()
            k = min(episodes_left, 1 if random() < 0.88 else (2 if random() < 0.83 else 3))
            episodes_left -= k
            # The first episode decides the family's region and whether the client is a relative.
            if unit_left > 0:
                org = self.unit
                unit_left -= 1
            else:
                org = _pick(rng, self.holders_cum, self.holders)
            fam.relative = random() < org.relative_share
            for n in range(k):
                if n:
                    if fam.relative:
                        pool = self.relative_by_region.get(org.region, self.relative_all)
                        org = _pick(rng, pool[1], pool[0])
                    else:
                        members, cum = self.holders_by_region[org.region]
                        org = _pick(rng, cum, members)
                ep = Ep()
                ep.family = len(families)
                ep.org = org
                ep.kind = EK.RELATIVE if fam.relative and org.relative_share else choose(rng, PATIENT_KINDS[org.kind])
                r = random()
                lo, hi = EPISODE_DAYS[ep.kind]
                if r < 0.10:
                    ep.status, ep.start, ep.end = Episode.Status.INTAKE, today - randint(0, 40), None
                elif r < 0.42:
                    ep.status, ep.start, ep.end = (
                        Episode.Status.ACTIVE,
                        today - randint(lo, max(lo + 1, min(hi, 730))),
                        None,
                    )
                else:
                    length = randint(lo, hi)
                    ep.status = Episode.Status.DISCHARGED
                    ep.start = today - randint(length + 1, length + 1460)
                    ep.end = ep.start + length
                ep.secs = self.work_secs()
                if org is self.unit and clinician_left > 0:
                    ep.responsible = clinician
                    clinician_left -= 1
                else:
                    # Other clinicians: the persona is responsible for its planned share only.
                    clinicians = [u for u in org.users(R.CLINICIAN, R.COORDINATOR) if u[0] not in persona_ids]
                    ep.responsible = rng.choice(clinicians)[0] if clinicians and random() > 0.05 else None
                ep.child_contact = None
                ep.answered_days = randint(0, 9)
                ep.source = choose(rng, (("patient", 0.8), ("record", 0.15), ("other", 0.05)))
                not_asked = random() < (0.4 if ep.status == Episode.Status.INTAKE else 0.04)
                ep.answer = "not_asked" if not_asked else ""
                ep.siblings = (
                    "not_asked"
                    if not_asked or random() < 0.03
                    else choose(rng, (("none", 0.78), ("has", 0.14), ("declined", 0.08)))
                )
                areas = [a for a, w in AREAS if random() < w] or ["alcohol"]
                ep.areas = json.dumps(areas)
                ep.referred_by = choose(rng, (("gp", 0.4), ("self", 0.25), ("other_service", 0.25), ("", 0.1)))
                ep.pregnancy, ep.due, ep.affected = "unknown", None, None
                fam.episodes.append(ep)
            fam.first = min(ep.start for ep in fam.episodes)
            answered = any(ep.answer != "not_asked" for ep in fam.episodes)
            family_name = rng.choice(FAMILY_WEIGHTED)

            # The client, and their children with the other parent.
            n_children = 0
            if answered and children_left > 0 and random() < p_children:
                n_children = min(children_left, choose(rng, ((1, 0.25), (2, 0.40), (3, 0.25), (4, 0.10))))
                children_left -= n_children
            male = random() < (0.3 if fam.relative else 0.65)
            if n_children:
                fam.members.append(adult(male, (22, 55), family_name))
            else:
                fam.members.append(adult(male, (18, 74), family_name))
            self._add_children(fam, n_children, family_name)
            # Pregnancy: some women of child-bearing age in treatment.
            client_age = (today - fam.members[0][1]) // 365
            if not male and client_age <= 44 and not fam.relative:
                for ep in fam.episodes:
                    r = random()
                    if r < 0.04 and ep.status != Episode.Status.DISCHARGED:
                        ep.pregnancy, ep.due = Episode.Pregnancy.YES, today + randint(20, 250)
                    elif r < 0.45:
                        ep.pregnancy = Episode.Pregnancy.NO
            if fam.relative:
                # The person whose problem affects the client.
                how = choose(rng, (("partner", 0.5), ("child", 0.3), ("sibling", 0.2)))
                if how == "child" and client_age < 40:
                    how = "partner"
                if how == "child":
                    fam.members.append(adult(random() < 0.6, (18, max(18, client_age - 21)), family_name))
                    fam.rels.append((0, len(fam.members) - 1, "parent_of", "voksent barn", "", "", False))
                    affected = len(fam.members) - 1
                elif how == "sibling":
                    fam.members.append(adult(random() < 0.6, (max(18, client_age - 8), client_age + 8), family_name))
                    fam.rels.append((0, len(fam.members) - 1, "sibling", "", "", "", False))
                    affected = len(fam.members) - 1
                else:
                    # The other parent of the children, if there is one, is the partner with the problem.
                    affected = next((b for a, b, kind, *_ in fam.rels if a == 0 and kind == "partner"), None)
                    if affected is None:
                        partner = adult(
                            not male, (max(18, client_age - 6), client_age + 6), rng.choice(FAMILY_WEIGHTED)
                        )
                        fam.members.append(partner)
                        affected = len(fam.members) - 1
                        fam.rels.append((0, affected, "partner", "", "", "", random() < 0.6))
                for ep in fam.episodes:
                    ep.affected = affected if ep.kind == EK.RELATIVE else None
            for ep in fam.episodes:
                if ep.answer != "not_asked":
                    ep.answer = "has" if fam.children else ("none" if random() < 0.88 else "declined")
                if (fam.children and ep.status != Episode.Status.INTAKE) or (fam.children and random() < 0.5):
                    if ep.org is self.unit and random() < 0.4:
                        ep.child_contact = child_contact
                    else:
                        contacts = ep.org.users(R.CHILD_RESPONSIBLE, R.COORDINATOR)
                        ep.child_contact = rng.choice(contacts)[0] if contacts and random() < 0.8 else None
            families.append(fam)

        # Children not yet placed (the last families' draws fell short): to families that already have some.
        with_children = [f for f in families if f.children] or [
            f for f in families if any(e.answer != "not_asked" for e in f.episodes)
        ]
        while children_left > 0:
            fam = rng.choice(with_children)
            if not fam.children:
                for ep in fam.episodes:
                    if ep.answer != "not_asked":
                        ep.answer = "has"
            self._add_children(fam, 1, fam.members[0][3])
            children_left -= 1

        # Everyone else: partners, grandparents, siblings, so that the persons come out right.
        placed = sum(len(f.members) for f in families)
        for _ in range(sizes.persons - placed):
            fam = families[rng.randrange(len(families))]
            client_age = (today - fam.members[0][1]) // 365
            later = randint(0, max(0, min(700, today - 1 - fam.first)))
            r = random()
            if fam.children and r < 0.4:
                fam.members.append(
                    adult(
                        random() < 0.4,
                        (max(40, client_age + 18), min(88, client_age + 35)),
                        rng.choice(FAMILY_WEIGHTED),
                        later,
                    )
                )
                child = rng.choice(fam.children)
                fam.rels.append(
                    (
                        len(fam.members) - 1,
                        child,
                        "other_close",
                        rng.choice(("mormor", "morfar", "farmor", "farfar", "tante", "onkel")),
                        "",
                        "",
                        False,
                    )
                )
            elif r < 0.75:
                fam.members.append(
                    adult(
                        random() < 0.5, (max(18, client_age - 10), min(85, client_age + 10)), fam.members[0][3], later
                    )
                )
                fam.rels.append((len(fam.members) - 1, 0, "sibling", "", "", "", False))
            else:
                fam.members.append(adult(random() < 0.5, (18, 85), rng.choice(FAMILY_WEIGHTED), later))
                fam.rels.append(
                    (len(fam.members) - 1, 0, "other_close", rng.choice(("venn", "nabo", "kollega")), "", "", False)
                )

        # Registration order is time order: families by their first episode, episodes by start.
        families.sort(key=lambda f: f.first)
        pid = self.writer.next_id(Person)
        for i, fam in enumerate(families):
            fam.pid = pid
            pid += len(fam.members)
            for ep in fam.episodes:
                ep.family = i
        self.families = families
        episodes = [ep for fam in families for ep in fam.episodes]
        episodes.sort(key=lambda ep: (ep.start, ep.secs))
        eid = self.writer.next_id(Episode)
        for i, ep in enumerate(episodes):
            ep.id = eid + i
        self.episodes = episodes
        self.say(
            f"Planned {len(families):,} families and {len(episodes):,} episodes in {_duration(time.monotonic() - t0)}"
        )

    def _add_children(self, fam: Family, n: int, family_name: str) -> None:
        """`n` minor children of the client; with the first ones, often the other parent (a partner)."""
        if not n:
            return
        rng, today = self.rng, self.today_ord
        random = rng.random
        client_male, client_birth = fam.members[0][0], fam.members[0][1]
        client_age = (today - client_birth) // 365
        coparent = next((b for a, b, kind, *_ in fam.rels if a == 0 and kind == "partner"), None)
        # Every child is at least 19 years younger than each parent.
        youngest_parent = client_birth if coparent is None else max(client_birth, fam.members[coparent][1])
        oldest_allowed = max(0, min(17, (today - youngest_parent) // 365 - 19))
        youngest_allowed = max(0, min(oldest_allowed, client_age - 45))
        births = [
            today - (_rint(random, youngest_allowed, oldest_allowed) * 365 + _rint(random, 20, 340)) for _ in range(n)
        ]
        if coparent is None and not fam.children and random() < 0.6:
            low, high = max(20, client_age - 6), min(70, client_age + 6)
            age_days = _rint(random, low * 366, high * 365 + 300)
            birth = min(today - age_days, client_birth + 365 * 3, min(births) - 19 * 366)
            other_family = family_name if random() < 0.5 else rng.choice(FAMILY_WEIGHTED)
            fam.members.append((not client_male, birth, rng.choice(GIVEN[(False, not client_male)]), other_family, 0))
            coparent = len(fam.members) - 1
            fam.rels.append((0, coparent, "partner", "", "", "", random() < 0.5))
        for birth in births:
            male = random() < 0.51
            registered = min(max(0, birth - fam.first + 1), max(0, today - 1 - fam.first))
            fam.members.append((male, birth, rng.choice(GIVEN[(True, male)]), family_name, registered))
            child = len(fam.members) - 1
            fam.children.append(child)
            together = random() < 0.55
            responsibility = _choose(rng, (("yes", 0.35), ("shared", 0.5), ("no", 0.1), ("", 0.05)))
            contact = "" if together else rng.choice(CONTACT_ARRANGEMENTS)
            fam.rels.append((0, child, "parent_of", "", responsibility, contact, together))
            if coparent is not None:
                other = "shared" if responsibility == "shared" else "yes"
                fam.rels.append((coparent, child, "parent_of", "", other, "", not together))

    # -- persons, relationships, episodes

    W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
    W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

    def _national_ids(self) -> list[str]:
        """A valid, unique fødselsnummer for every person, in id order.

        The check digits are python-stdnum's (stdnum.no.fodselsnummer: weights W1 and W2, modulo 11, a
        remainder giving 10 has no valid number), computed from partial sums so that a million take seconds;
        every 997th number is checked with stdnum's own validator as well."""
        random = self.rng.random
        w1, w2 = self.W1, self.W2
        # Partial sums of the individual number (digits 7–9) for both check digits.
        ind1 = [w1[6] * (i // 100) + w1[7] * (i // 10 % 10) + w1[8] * (i % 10) for i in range(1000)]
        ind2 = [w2[6] * (i // 100) + w2[7] * (i // 10 % 10) + w2[8] * (i % 10) for i in range(1000)]
        heads: dict[int, tuple[str, int, int, int]] = {}
        seen: set[str] = set()
        out: list[str] = []
        for fam in self.families:
            for male, birth, *_rest in fam.members:
                head = heads.get(birth)
                if head is None:
                    b = self.day(birth)
                    digits = f"{b.day:02d}{b.month:02d}{b.year % 100:02d}"
                    s1 = sum(w * int(d) for w, d in zip(w1, digits, strict=False))
                    s2 = sum(w * int(d) for w, d in zip(w2, digits, strict=False))
                    head = heads[birth] = (digits, s1, s2, 500 if b.year >= 2000 else 0)
                digits, s1, s2, low = head
                parity = 1 if male else 0  # odd individual numbers are male
                while True:
                    ind = low + 2 * int(random() * 250) + parity
                    k1 = (11 - (s1 + ind1[ind]) % 11) % 11
                    if k1 == 10:
                        continue
                    k2 = (11 - (s2 + ind2[ind] + 2 * k1) % 11) % 11
                    if k2 == 10:
                        continue
                    number = f"{digits}{ind:03d}{k1}{k2}"
                    if number not in seen:
                        break
                seen.add(number)
                if len(out) % 997 == 0 and not fodselsnummer.is_valid(number):
                    raise RuntimeError(f"generated an invalid fødselsnummer: {number}")
                out.append(number)
        return out

    def _split(self, n: int) -> list[tuple[int, int]]:
        """The families in `n` consecutive ranges (for parallel writing)."""
        size = len(self.families)
        cuts = [size * i // n for i in range(n + 1)]
        return [(cuts[i], cuts[i + 1]) for i in range(n) if cuts[i] < cuts[i + 1]]

    def _people(self) -> None:
        t0 = time.monotonic()
        fnrs = self._national_ids()
        self.say(f"Made {len(fnrs):,} national ids in {_duration(time.monotonic() - t0)}")
        first_pid = self.families[0].pid
        languages = ("ar", "so", "pl", "ti", "fa", "en", "uk")
        adult_before = self.today_ord - 18 * 365
        parts = self._split(self.writer.workers)
        seeds = [self.rng.getrandbits(64) for _ in parts]

        def person_rows(lo: int, hi: int, seed: int):
            random = Random(seed).random  # noqa: S311
            day, at = self.day, self.at
            for fam in self.families[lo:hi]:
                first = min(fam.episodes, key=lambda ep: ep.start)
                org_id, creator, secs = first.org.id, first.responsible, first.secs
                pid = fam.pid
                for male, birth, given, family, later in fam.members:
                    b = day(birth)
                    language, interpreter = "", False
                    if birth < adult_before and random() < 0.04:
                        language = languages[int(random() * len(languages))]
                        interpreter = random() < 0.6
                    yield (
                        pid,
                        given,
                        family,
                        fnrs[pid - first_pid],
                        "fnr",
                        b,
                        b.year,
                        "male" if male else "female",
                        language,
                        interpreter,
                        org_id,
                        creator,
                        at(fam.first + later, secs),
                    )
                    pid += 1

        columns = [
            "id", "given_name", "family_name", "national_id", "id_kind", "birth_date", "birth_year", "sex",
            "preferred_language", "interpreter_needed", "registered_by_id", "created_by_id", "created_at",
        ]  # fmt: skip
        self.writer.write_jobs(
            [
                Job(
                    Person,
                    columns,
                    partial(person_rows, lo, hi, seed),
                    sum(len(f.members) for f in self.families[lo:hi]),
                )
                for (lo, hi), seed in zip(parts, seeds, strict=True)
            ]
        )

        # Relationships (in parts) and the episodes, at once: both only need the persons.
        rid = self.writer.next_id(Relationship)
        starts = []
        for lo, hi in parts:
            starts.append(rid)
            rid += sum(len(f.rels) for f in self.families[lo:hi])

        def relationship_rows(lo: int, hi: int, first: int):
            n = first
            for fam in self.families[lo:hi]:
                pid, creator = fam.pid, fam.episodes[0].responsible
                created = self.at(fam.first, fam.episodes[0].secs + 600)
                for a, b, kind, description, responsibility, contact, together in fam.rels:
                    yield (n, pid + a, pid + b, kind, description, responsibility, contact, together, created, creator)
                    n += 1

        relationship_columns = [
            "id", "person_id", "other_id", "kind", "description", "parental_responsibility", "contact_arrangement",
            "lives_together", "created_at", "created_by_id",
        ]  # fmt: skip
        episode_columns = [
            "id", "patient_id", "organisation_id", "kind", "status", "started_on", "ended_on", "responsible_id",
            "child_contact_id", "problem_areas", "affected_by_id", "referred_by", "pregnancy", "due_date",
            "children_answer", "siblings_answer", "answered_at", "answered_by_id", "answer_source", "created_at",
        ]  # fmt: skip
        jobs = [Job(Episode, episode_columns, self._episode_rows, len(self.episodes))]
        jobs += [
            Job(
                Relationship,
                relationship_columns,
                partial(relationship_rows, lo, hi, first),
                sum(len(f.rels) for f in self.families[lo:hi]),
            )
            for (lo, hi), first in zip(parts, starts, strict=True)
        ]
        self.writer.write_jobs(jobs)

    def _episode_rows(self):
        fams, day, at, last_day = self.families, self.day, self.at, self.last_day
        for ep in self.episodes:
            pid = fams[ep.family].pid
            answered = ep.answer != "not_asked" or ep.siblings != "not_asked"
            answered_at = at(min(ep.start + ep.answered_days, last_day(ep)), ep.secs + 3600) if answered else None
            yield (
                ep.id,
                pid,
                ep.org.id,
                ep.kind,
                ep.status,
                day(ep.start),
                day(ep.end) if ep.end is not None else None,
                ep.responsible,
                ep.child_contact,
                ep.areas,
                pid + ep.affected if ep.affected is not None else None,
                ep.referred_by,
                ep.pregnancy,
                day(ep.due) if ep.due is not None else None,
                ep.answer,
                ep.siblings,
                answered_at,
                ep.responsible if answered else None,
                ep.source if answered else "",
                at(ep.start, ep.secs),
            )

    def last_day(self, ep: Ep) -> int:
        """The last day the episode was open (yesterday for open ones)."""
        return ep.end if ep.end is not None else self.today_ord - 1

    def between(self, ep: Ep, lo_offset: int = 0, random=None) -> int:
        """A day the episode was open, at least `lo_offset` days after it started when it lasted that long."""
        last = ep.end if ep.end is not None else self.today_ord - 1
        first = min(ep.start + lo_offset, last)
        return first + int((random or self.rng.random)() * (last - first + 1))

    # -- the children's work: sheets, information, tasks, concern reports

    def _care(self) -> None:
        rng, fams, today = self.rng, self.families, self.today_ord
        random = rng.random
        randint = partial(_rint, random)
        sheets, info, tasks, reports = [], [], [], []
        sid = self.writer.next_id(ChildSheet)
        iid = self.writer.next_id(InformationGiven)
        tid = self.writer.next_id(Task)
        cid = self.writer.next_id(ConcernReport)
        partial_pool = []
        for _ in range(200):
            keys = rng.sample(SHEET_KEYS, randint(1, len(SHEET_KEYS) - 3))
            partial_pool.append(json.dumps({k: rng.choice(SHEET_ANSWERS[k]) for k in keys}, ensure_ascii=False))
        full_pool = [
            json.dumps({k: rng.choice(SHEET_ANSWERS[k]) for k in SHEET_KEYS}, ensure_ascii=False) for _ in range(200)
        ]
        municipality_names = {n: name for ms in self.municipalities.values() for n, name in ms}
        template = self.sheet_template.pk
        informers = [v for v in ChildSheet.Informer.values if v]
        for ep in self.episodes:
            fam = fams[ep.family]
            org = ep.org
            staff = ep.child_contact or ep.responsible
            assignees = org.users(*PERSONAL)
            if not assignees:
                continue
            if staff is None:
                staff = rng.choice(assignees)[0]
            if not fam.children or ep.answer != "has":
                if ep.answer == "not_asked" and random() < 0.3:
                    due = ep.start + 7
                    status = "open" if ep.status != Episode.Status.DISCHARGED else "cancelled"
                    tasks.append(
                        (
                            tid,
                            ep.id,
                            None,
                            EPISODE_TASKS[0],
                            staff,
                            self.day(due),
                            status,
                            ep.responsible,
                            self.at(ep.start, ep.secs + 900),
                            None,
                        )
                    )
                    tid += 1
                continue
            intake = ep.status == Episode.Status.INTAKE
            for child in fam.children:
                if fam.members[child][1] > self.last_day(ep):
                    continue  # born after the episode ended
                child_id = fam.pid + child
                r = random()
                state = "none" if r < (0.6 if intake else 0.25) else ("partial" if r < 0.55 else "full")
                concern = "none"
                if state != "none":
                    c = random()
                    concern = "serious" if c < 0.10 else ("some" if c < 0.35 else "none")
                    updated = self.between(ep, 1)
                    full = state == "full"
                    summary = ""
                    if ep.status == Episode.Status.DISCHARGED and full and random() < 0.5:
                        summary = rng.choice(SUMMARIES)
                    sheets.append(
                        (
                            sid,
                            ep.id,
                            child_id,
                            template,
                            rng.choice(full_pool if full else partial_pool),
                            concern,
                            rng.choice(informers) if full or random() < 0.3 else "",
                            summary,
                            self.at(updated, self.work_secs()),
                            staff,
                        )
                    )
                    sid += 1
                    # Information to the child: most full sheets, some partial ones.
                    if random() < (0.6 if full else 0.2):
                        given = self.between(ep, 3)
                        info.append(
                            (
                                iid,
                                ep.id,
                                child_id,
                                self.day(given),
                                _choose(rng, (("talk", 0.6), ("leaflet", 0.2), ("group", 0.1), ("other", 0.1))),
                                rng.choice(("Barnet og forelderen", "Barnet, mor og behandler", "Barnet alene", "")),
                                staff,
                                self.at(given, self.work_secs()),
                            )
                        )
                        iid += 1
                    # A concern report for most serious concerns, some others.
                    if random() < (0.7 if concern == "serious" else (0.1 if concern == "some" else 0.0)):
                        sent = self.between(ep, 2)
                        feedback_on, feedback = None, ""
                        if (today - sent > 21 and random() < 0.85) or (today - sent <= 21 and random() < 0.3):
                            feedback_on = min(today - 1, sent + randint(3, 40))
                            feedback = _choose(rng, (("received", 0.5), ("investigating", 0.35), ("dropped", 0.15)))
                        informed = random() < 0.85
                        reports.append(
                            (
                                cid,
                                ep.id,
                                child_id,
                                f"Barneverntjenesten i {municipality_names.get(org.municipality, 'kommunen')}",
                                org.municipality,
                                _choose(rng, (("own_initiative", 0.9), ("order", 0.1))),
                                rng.choice(CONCERN_REASONS),
                                informed,
                                "" if informed else "Fare for barnets sikkerhet om forelderen varsles.",
                                staff,
                                "",
                                self.day(sent),
                                self.day(feedback_on) if feedback_on else None,
                                feedback,
                                self.at(sent, self.work_secs()),
                            )
                        )
                        cid += 1
                # Follow-up tasks: open, overdue, done or cancelled.
                for _ in range(0 if random() < 0.45 else randint(1, 2)):
                    if ep.status == Episode.Status.DISCHARGED:
                        status = "done" if random() < 0.85 else "cancelled"
                    else:
                        status = _choose(rng, (("open", 0.6), ("done", 0.33), ("cancelled", 0.07)))
                    if status == "open":
                        # Overdue or due within a month.
                        due = today - randint(1, 30) if random() < 0.35 else today + randint(0, 30)
                        created = min(today - 1, max(ep.start, due - randint(3, 30)))
                    else:
                        created = self.between(ep)
                        due = created + randint(3, 30)
                    done_at = self.at(min(due, self.last_day(ep)), self.work_secs()) if status == "done" else None
                    assignee = staff if random() < 0.7 else rng.choice(assignees)[0]
                    tasks.append(
                        (
                            tid,
                            ep.id,
                            child_id,
                            rng.choice(TASK_TITLES),
                            assignee,
                            self.day(due),
                            status,
                            ep.responsible,
                            self.at(created, self.work_secs()),
                            done_at,
                        )
                    )
                    tid += 1
        # The four tables only need the episodes and persons: written side by side.
        self.writer.write_jobs(
            [
                Job(
                    ChildSheet,
                    [
                        "id",
                        "episode_id",
                        "child_id",
                        "template_id",
                        "answers",
                        "concern_level",
                        "who_informs",
                        "discharge_summary",
                        "updated_at",
                        "updated_by_id",
                    ],
                    partial(iter, sheets),
                    len(sheets),
                ),
                Job(
                    InformationGiven,
                    ["id", "episode_id", "child_id", "given_on", "form", "present", "given_by_id", "created_at"],
                    partial(iter, info),
                    len(info),
                ),
                Job(
                    Task,
                    [
                        "id",
                        "episode_id",
                        "child_id",
                        "title",
                        "assignee_id",
                        "due_on",
                        "status",
                        "created_by_id",
                        "created_at",
                        "done_at",
                    ],
                    partial(iter, tasks),
                    len(tasks),
                ),
                Job(
                    ConcernReport,
                    [
                        "id",
                        "episode_id",
                        "child_id",
                        "recipient",
                        "recipient_municipality",
                        "basis",
                        "reason",
                        "parent_informed",
                        "parent_not_informed_reason",
                        "sender_id",
                        "forwarding_contact",
                        "sent_on",
                        "feedback_on",
                        "feedback_status",
                        "created_at",
                    ],
                    partial(iter, reports),
                    len(reports),
                ),
            ]
        )

    # -- referrals with their consents and events

    REFERRAL_TARGETS = {
        K.SPECIALIST_UNIT: (
            (K.CHILD_WELFARE, 25),
            (K.SCHOOL_HEALTH, 15),
            (K.MUNICIPAL_SERVICE, 35),
            (K.LOW_THRESHOLD, 15),
            (K.SPECIALIST_UNIT, 10),
        ),
        K.MUNICIPAL_SERVICE: (
            (K.SPECIALIST_UNIT, 35),
            (K.CHILD_WELFARE, 25),
            (K.SCHOOL_HEALTH, 15),
            (K.LOW_THRESHOLD, 15),
            (K.ALLOCATION_OFFICE, 10),
        ),
        K.ALLOCATION_OFFICE: ((K.SPECIALIST_UNIT, 60), (K.MUNICIPAL_SERVICE, 30), (K.CHILD_WELFARE, 10)),
        K.LOW_THRESHOLD: ((K.MUNICIPAL_SERVICE, 40), (K.SPECIALIST_UNIT, 30), (K.CHILD_WELFARE, 15), (K.VOLUNTARY, 15)),
    }

    def _target(self, org: Org) -> Org:
        rng = self.rng
        for _ in range(10):
            kind = _choose(rng, self.REFERRAL_TARGETS[org.kind])
            pool = self.by_kind_region.get((kind, org.region)) if rng.random() < 0.85 else None
            pool = pool or self.by_kind.get(kind)
            if pool:
                target = rng.choice(pool)
                if target is not org:
                    return target
        return next(o for o in self.orgs if o is not org)

    def _referrals(self) -> None:
        rng, fams, today = self.rng, self.families, self.today_ord
        random = rng.random
        randint = partial(_rint, random)
        consents, referrals, events, children = [], [], [], []
        kid = self.writer.next_id(Consent)
        rid = self.writer.next_id(Referral)
        vid = self.writer.next_id(ReferralEvent)
        mid = self.writer.next_id(Referral.children.through)
        S = Referral.Status
        latest = self.at(today - 1, 23 * 3600)

        def later(previous: datetime, delta: timedelta) -> datetime:
            return max(previous, min(previous + delta, latest))

        picks = []
        for _ in range(self.sizes.referrals):
            ep = rng.choice(self.episodes)
            if ep.status == Episode.Status.INTAKE and random() < 0.7:
                ep = rng.choice(self.episodes)
            picks.append(ep)
        picks.sort(key=lambda ep: ep.start)
        for ep in picks:
            fam = fams[ep.family]
            src = ep.org
            dst = self._target(src)
            created = self.between(ep)
            created_at = self.at(created, self.work_secs())
            user = ep.responsible or rng.choice(src.users(*PERSONAL) or [(None, "")])[0]
            recent = today - created <= 30
            if recent:
                status = _choose(
                    rng,
                    ((S.DRAFT, 8), (S.SENT, 30), (S.RECEIVED, 20), (S.ACCEPTED, 30), (S.DECLINED, 8), (S.WITHDRAWN, 4)),
                )
            else:
                status = _choose(
                    rng,
                    (
                        (S.DRAFT, 1),
                        (S.SENT, 3),
                        (S.RECEIVED, 4),
                        (S.ACCEPTED, 30),
                        (S.DECLINED, 12),
                        (S.COMPLETED, 42),
                        (S.WITHDRAWN, 8),
                    ),
                )
            categories = sorted(
                {"episode"}
                | ({"children"} if fam.children and random() < 0.7 else set())
                | ({"instruments"} if random() < 0.2 else set())
            )
            valid_from = created - randint(0, 3)
            valid_until = valid_from + rng.choice((180, 365, 365, 730))
            if status in Referral.OPEN_STATUSES:
                valid_until = max(valid_until, today + 30)
            consents.append(
                (
                    kid,
                    fam.pid,
                    src.id,
                    "person",
                    "",
                    json.dumps(categories),
                    dst.id,
                    "",
                    "",
                    rng.choice(("Henvisning og samarbeid om oppfølging", "Oppfølging av barna", "Videre behandling")),
                    self.day(valid_from),
                    self.day(valid_until),
                    _choose(rng, (("written", 0.7), ("verbal", 0.3))),
                    "",
                    user,
                    created_at - timedelta(minutes=10),
                )
            )
            receiver = dst.users(*PERSONAL)
            receiver_user = rng.choice(receiver)[0] if receiver else None
            sent_at = decided_at = None
            decline = ""
            chain = [(S.DRAFT, created_at, user, src.id)]

            if status != S.DRAFT:
                sent_at = later(created_at, timedelta(minutes=randint(2, 180)))
                chain.append((S.SENT, sent_at, user, src.id))
            step = sent_at
            if status in (S.RECEIVED, S.ACCEPTED, S.DECLINED, S.COMPLETED) or (
                status == S.WITHDRAWN and random() < 0.5
            ):
                step = later(sent_at, timedelta(hours=randint(1, 72)))
                chain.append((S.RECEIVED, step, receiver_user, dst.id))
            if status in (S.ACCEPTED, S.DECLINED, S.COMPLETED):
                decided_at = later(step, timedelta(days=randint(0, 20), hours=randint(1, 8)))
                chain.append((S.DECLINED if status == S.DECLINED else S.ACCEPTED, decided_at, receiver_user, dst.id))
                if status == S.DECLINED:
                    decline = rng.choice(Referral.DeclineReason.values[1:])
            if status == S.COMPLETED:
                chain.append((S.COMPLETED, later(decided_at, timedelta(days=randint(14, 180))), receiver_user, dst.id))
            if status == S.WITHDRAWN:
                chain.append((S.WITHDRAWN, later(chain[-1][1], timedelta(days=randint(0, 10), hours=1)), user, src.id))
            referrals.append(
                (
                    rid,
                    src.id,
                    dst.id,
                    fam.pid,
                    kid,
                    json.dumps(categories),
                    rng.choice(REFERRAL_REASONS),
                    "urgent" if random() < 0.1 else "normal",
                    f"Kontaktperson ved {src.name[:120]}",
                    status,
                    decline,
                    user,
                    created_at,
                    sent_at,
                    decided_at,
                )
            )
            for st, at, by, org_id in chain:
                events.append((vid, rid, st, at, by, org_id, ""))
                vid += 1
            if "children" in categories and random() < 0.6:
                for child in fam.children:
                    children.append((mid, rid, fam.pid + child))
                    mid += 1
            kid += 1
            rid += 1
        w = self.writer
        w.write(
            Consent,
            [
                "id",
                "person_id",
                "organisation_id",
                "given_by",
                "guardian_name",
                "categories",
                "recipient_organisation_id",
                "recipient_kind",
                "recipient_municipality",
                "purpose",
                "valid_from",
                "valid_until",
                "form",
                "scan",
                "recorded_by_id",
                "recorded_at",
            ],
            consents,
            len(consents),
        )
        w.write(
            Referral,
            [
                "id",
                "from_organisation_id",
                "to_organisation_id",
                "person_id",
                "consent_id",
                "categories",
                "reason",
                "urgency",
                "contact_person",
                "status",
                "decline_reason",
                "created_by_id",
                "created_at",
                "sent_at",
                "decided_at",
            ],
            referrals,
            len(referrals),
        )
        w.write(
            ReferralEvent,
            ["id", "referral_id", "status", "at", "by_id", "organisation_id", "note"],
            events,
            len(events),
        )
        w.write(
            Referral.children.through,
            ["id", "referral_id", "person_id"],
            children,
            len(children),
            label="referrals_referral_children",
        )

    def _consultations(self) -> None:
        rng = self.rng
        rows, replies = [], []
        cid = self.writer.next_id(Consultation)
        rid = self.writer.next_id(ConsultationReply)
        centres = self.by_kind.get(K.COMPETENCE_CENTRE, [])
        for _ in range(self.sizes.consultations):
            src = _pick(rng, self.holders_cum, self.holders)
            dst = rng.choice(centres) if centres and rng.random() < 0.4 else self._target(src)
            asker = rng.choice(src.users(*PERSONAL) or [(None, "")])[0]
            day = self.today_ord - _rint(rng.random, 1, 700)
            created = self.at(day, self.work_secs())
            status = _choose(rng, (("open", 0.2), ("answered", 0.5), ("closed", 0.3)))
            rows.append(
                (
                    cid,
                    src.id,
                    dst.id,
                    asker,
                    rng.choice(CONSULTATION_TITLES),
                    "Vi ønsker råd om hvordan vi best kan følge opp barna i familien.",
                    None,
                    None,
                    status,
                    created,
                )
            )
            if status != "open":
                for n in range(_rint(rng.random, 1, 3)):
                    side = dst if n % 2 == 0 else src
                    author = rng.choice(side.users(*PERSONAL, R.ORG_ADMIN) or [(None, "")])[0]
                    replies.append(
                        (
                            rid,
                            cid,
                            author,
                            side.id,
                            "Takk for spørsmålet. Vårt råd er å ta en samtale med forelderen først.",
                            created + timedelta(days=n + 1, hours=_rint(rng.random, 1, 6)),
                        )
                    )
                    rid += 1
            cid += 1
        self.writer.write(
            Consultation,
            [
                "id",
                "from_organisation_id",
                "to_organisation_id",
                "asked_by_id",
                "title",
                "question",
                "person_id",
                "consent_id",
                "status",
                "created_at",
            ],
            rows,
            len(rows),
        )
        self.writer.write(
            ConsultationReply,
            ["id", "consultation_id", "author_id", "organisation_id", "text", "created_at"],
            replies,
            len(replies),
        )

    # -- programmes

    PROGRAMME_ORGS = {
        K.LOW_THRESHOLD: (
            ("stress-strain-coping-support", 30),
            ("self-help-group", 30),
            ("relatives-seminar", 10),
            ("children-group", 20),
            ("parent-child-group", 10),
        ),
        K.VOLUNTARY: (("self-help-group", 50), ("relatives-seminar", 30), ("children-group", 20)),
        K.MUNICIPAL_SERVICE: (
            ("stress-strain-coping-support", 50),
            ("children-group", 25),
            ("parent-child-group", 15),
            ("relatives-seminar", 10),
        ),
        K.SPECIALIST_UNIT: (
            ("relatives-seminar", 40),
            ("children-group", 30),
            ("parent-child-group", 20),
            ("stress-strain-coping-support", 10),
        ),
        K.COMPETENCE_CENTRE: (("staff-course", 70), ("relatives-seminar", 30)),
    }
    PROGRAMME_ORG_WEIGHT = {
        K.LOW_THRESHOLD: 4.0,
        K.VOLUNTARY: 3.0,
        K.MUNICIPAL_SERVICE: 1.5,
        K.SPECIALIST_UNIT: 0.6,
        K.COMPETENCE_CENTRE: 1.0,
    }

    def _programmes(self) -> None:
        rng, today = self.rng, self.today_ord
        random = rng.random
        randint = partial(_rint, random)
        templates = {t.key: t for t in ProgrammeTemplate.objects.filter(organisation__isnull=True)}
        hosts = [o for o in self.orgs if o.kind in self.PROGRAMME_ORGS]
        hosts_cum = _cumulative(self.PROGRAMME_ORG_WEIGHT[o.kind] for o in hosts)
        relatives_at: dict[int, list[int]] = {}
        for ep in self.episodes:
            if ep.kind == EK.RELATIVE:
                relatives_at.setdefault(ep.org.index, []).append(self.families[ep.family].pid)
        runs, leaders, sessions, participants, enrolments, attendance, evaluations = [], [], [], [], [], [], []
        self.measures: list[tuple] = []  # (enrolment id, instrument key, day, org id, person id, user id)
        self.enrolments_at: dict[int, list[int]] = {}
        run_id = self.writer.next_id(Run)
        lid = self.writer.next_id(Run.leaders.through)
        sess_id = self.writer.next_id(Session)
        part_id = self.writer.next_id(Participant)
        enr_id = self.writer.next_id(Enrolment)
        att_id = self.writer.next_id(Attendance)
        eva_id = self.writer.next_id(SessionEvaluation)
        left = self.sizes.enrolments
        unit_runs = max(2, self.sizes.enrolments // 2000)
        group_leader = self.personas[R.GROUP_LEADER]
        E = Enrolment.Status
        drop_in_every = 8
        n_runs = 0
        past_participants: dict[int, list[tuple[int, int | None]]] = {}
        drop_in_made = False
        while left > 0 or not drop_in_made:
            n_runs += 1
            # Every eighth run is a drop-in meeting place (head counts only); at least one.
            drop_in = n_runs > unit_runs and ((n_runs - unit_runs) % drop_in_every == 1 or left <= 0)
            drop_in_made = drop_in_made or drop_in
            org = self.unit if n_runs <= unit_runs else _pick(rng, hosts_cum, hosts)
            key = "meeting-place" if drop_in else _choose(rng, self.PROGRAMME_ORGS[org.kind])
            tpl = templates[key]
            if key == "stress-strain-coping-support":
                capacity = 1 if random() < 0.5 else 8
            else:
                capacity = min(
                    tpl.max_participants, {"relatives-seminar": 60, "staff-course": 30}.get(key, tpl.max_participants)
                )
            starts = today - randint(30, 700) if drop_in else today + randint(-730, 60)
            n_sessions = len(tpl.sessions)
            last = starts + tpl.interval_days * (n_sessions - 1)
            cancelled_run = not drop_in and last < today and random() < 0.03
            status = "cancelled" if cancelled_run else ("finished" if last < today else "planned")
            start_time = clock(randint(9, 14), 0) if capacity == 1 else clock(randint(17, 19), rng.choice((0, 30)))
            if org is self.unit:
                leader_ids = [group_leader]
            else:
                pool = org.users(R.GROUP_LEADER, R.COORDINATOR) or org.users(*PERSONAL) or [(None, "")]
                leader_ids = sorted({rng.choice(pool)[0] for _ in range(1 if capacity == 1 else 2)} - {None})
            created = self.at(min(starts - randint(14, 60), today - 1), self.work_secs())
            d = self.day(starts)
            season = "våren" if d.month <= 6 else "høsten"
            runs.append(
                (
                    run_id,
                    tpl.pk,
                    org.id,
                    f"{tpl.name}, {season} {d.year}",
                    rng.choice(VENUES),
                    random() < 0.1,
                    capacity,
                    d,
                    start_time,
                    120 if capacity > 1 else 60,
                    status,
                    leader_ids[0] if leader_ids else None,
                    created,
                )
            )
            for uid in leader_ids:
                leaders.append((lid, run_id, uid))
                lid += 1
            # Sessions.
            run_sessions = []
            for number, spec in enumerate(tpl.sessions, start=1):
                day = starts + tpl.interval_days * (number - 1)
                past = day < today
                cancelled = cancelled_run or (past and random() < 0.03)
                head = randint(5, 45) if drop_in and past and not cancelled else None
                reminded = self.at(day - 1, 16 * 3600) if day <= today + 1 and not drop_in else None
                sessions.append(
                    (
                        sess_id,
                        run_id,
                        number,
                        spec["title"],
                        spec.get("description", ""),
                        spec.get("form", ""),
                        self.day(day),
                        start_time,
                        cancelled,
                        head,
                        reminded,
                    )
                )
                run_sessions.append((sess_id, day, past and not cancelled))
                if past and not cancelled and not drop_in and capacity > 1 and random() < 0.3:
                    for _ in range(randint(2, 6)):
                        evaluations.append(
                            (
                                eva_id,
                                sess_id,
                                _choose(rng, ((5, 4), (4, 4), (3, 2), (2, 1))),
                                "",
                                self.at(day, 20 * 3600),
                            )
                        )
                        eva_id += 1
                sess_id += 1
            if drop_in:
                run_id += 1
                continue
            # Participants and enrolments.
            if capacity == 1:
                n = 1
            elif key == "relatives-seminar":
                n = randint(15, 60)
            elif key == "staff-course":
                n = randint(8, 30)
            else:
                n = randint(max(3, tpl.min_participants), capacity + 2)
            n = min(n, left)
            left -= n
            finished = last < today
            started = starts <= today
            known = past_participants.setdefault(org.index, [])
            used_here: set[int] = set()
            for i in range(n):
                reuse = known and random() < 0.12
                if reuse:
                    pid_, person = rng.choice(known)
                    if pid_ in used_here:
                        reuse = False
                if not reuse:
                    child = key == "children-group"
                    male = random() < (0.5 if child else 0.3)
                    given = rng.choice(GIVEN[(child, male)])
                    person = None
                    rel = relatives_at.get(org.index)
                    if rel and not child and random() < 0.3:
                        person = rng.choice(rel)
                    birth_year = self.today.year - (randint(8, 13) if child else randint(19, 75))
                    reminders = _choose(rng, (("sms", 0.6), ("email", 0.2), ("", 0.2)))
                    email = f"{_ascii(given)}{randint(1, 9999)}@example.no" if reminders == "email" else ""
                    phone = (
                        f"9{randint(0, 99):02d} {randint(0, 99):02d} {randint(0, 999):03d}"
                        if reminders != "email"
                        else ""
                    )
                    participants.append(
                        (
                            part_id,
                            org.id,
                            person,
                            given if random() < 0.7 else f"{given} (pseudonym)",
                            phone,
                            email,
                            birth_year,
                            _choose(
                                rng,
                                (
                                    ("parent", 3),
                                    ("partner", 3),
                                    ("child", 2),
                                    ("sibling", 1),
                                    ("other_family", 1),
                                    ("", 1),
                                ),
                            ),
                            reminders,
                            leader_ids[0] if leader_ids else None,
                            created,
                        )
                    )
                    pid_ = part_id
                    known.append((pid_, person))
                    part_id += 1
                used_here.add(pid_)
                over = i >= capacity
                if cancelled_run:
                    st = E.WITHDRAWN
                elif finished:
                    st = (
                        E.WAITING
                        if over and random() < 0.3
                        else _choose(
                            rng,
                            (
                                (E.COMPLETED, 62),
                                (E.NOT_COMPLETED, 20),
                                (E.WITHDRAWN, 10),
                                (E.REFERRED, 3 if tpl.pre_interview else 0),
                            ),
                        )
                    )
                elif started:
                    st = E.WAITING if over else _choose(rng, ((E.ENROLLED, 85), (E.WITHDRAWN, 5), (E.NOT_COMPLETED, 2)))
                else:
                    st = (
                        E.WAITING
                        if over
                        else _choose(
                            rng, ((E.INTERVIEW, 30 if tpl.pre_interview else 0), (E.WAITING, 15), (E.ENROLLED, 55))
                        )
                    )
                enrol_created = self.at(min(starts - randint(1, 40), today - 1), self.work_secs())
                interview_on = interview_outcome = None
                if tpl.pre_interview and st != E.INTERVIEW:
                    interview_on = self.day(min(starts - randint(1, 20), today - 1))
                    interview_outcome = "elsewhere" if st == E.REFERRED else "suitable"
                enrolled_at = (
                    enrol_created + timedelta(days=1) if st in (E.ENROLLED, E.COMPLETED, E.NOT_COMPLETED) else None
                )
                waiting_since = enrol_created if st == E.WAITING else None
                ended_at = self.at(last, 21 * 3600) if st in (E.COMPLETED, E.NOT_COMPLETED) else None
                if st == E.WITHDRAWN:
                    ended_at = self.at(min(starts + randint(0, 30), today - 1), self.work_secs())
                enrolments.append(
                    (
                        enr_id,
                        run_id,
                        pid_,
                        st,
                        interview_on,
                        interview_outcome or "",
                        "",
                        "Familievernkontoret" if st == E.REFERRED else "",
                        waiting_since,
                        enrolled_at,
                        ended_at,
                        "Flyttet" if st == E.WITHDRAWN else "",
                        leader_ids[0] if leader_ids else None,
                        enrol_created,
                    )
                )
                self.enrolments_at.setdefault(org.index, []).append(enr_id)
                # Attendance in past sessions.
                if st in (E.ENROLLED, E.COMPLETED, E.NOT_COMPLETED, E.WITHDRAWN):
                    present = {E.COMPLETED: 0.9, E.ENROLLED: 0.8, E.NOT_COMPLETED: 0.4, E.WITHDRAWN: 0.3}[st]
                    for k, (session_id, day, held) in enumerate(run_sessions):
                        if not held or (st == E.WITHDRAWN and k >= 2):
                            continue
                        r = random()
                        status_ = (
                            "present" if r < present else ("excused" if r < present + (1 - present) / 2 else "absent")
                        )
                        attendance.append(
                            (
                                att_id,
                                session_id,
                                enr_id,
                                status_,
                                leader_ids[0] if leader_ids else None,
                                self.at(day, 21 * 3600),
                            )
                        )
                        att_id += 1
                # Baseline and end measures.
                if tpl.measures and st in (E.ENROLLED, E.COMPLETED, E.NOT_COMPLETED) and enrolled_at is not None:
                    for instrument in tpl.measures:
                        base_day = min(starts, today - 1)
                        self.measures.append(
                            (enr_id, instrument, base_day, org.id, person, leader_ids[0] if leader_ids else None)
                        )
                        if st == E.COMPLETED:
                            self.measures.append(
                                (
                                    enr_id,
                                    instrument,
                                    min(last, today - 1),
                                    org.id,
                                    person,
                                    leader_ids[0] if leader_ids else None,
                                )
                            )
                enr_id += 1
            run_id += 1
        w = self.writer
        w.write(
            Run,
            [
                "id",
                "template_id",
                "organisation_id",
                "title",
                "venue",
                "online",
                "capacity",
                "starts_on",
                "start_time",
                "duration_minutes",
                "status",
                "created_by_id",
                "created_at",
            ],
            runs,
            len(runs),
        )
        w.write(Run.leaders.through, ["id", "run_id", "user_id"], leaders, len(leaders), label="programs_run_leaders")
        w.write(
            Session,
            [
                "id",
                "run_id",
                "number",
                "title",
                "description",
                "form",
                "date",
                "start_time",
                "cancelled",
                "head_count",
                "reminded_at",
            ],
            sessions,
            len(sessions),
        )
        w.write(
            Participant,
            [
                "id",
                "organisation_id",
                "person_id",
                "name",
                "phone",
                "email",
                "birth_year",
                "relation",
                "reminders",
                "created_by_id",
                "created_at",
            ],
            participants,
            len(participants),
        )
        w.write(
            Enrolment,
            [
                "id",
                "run_id",
                "participant_id",
                "status",
                "interview_on",
                "interview_outcome",
                "interview_note",
                "referred_to",
                "waiting_since",
                "enrolled_at",
                "ended_at",
                "end_reason",
                "created_by_id",
                "created_at",
            ],
            enrolments,
            len(enrolments),
        )
        w.write(
            Attendance,
            ["id", "session_id", "enrolment_id", "status", "recorded_by_id", "recorded_at"],
            attendance,
            len(attendance),
        )
        w.write(
            SessionEvaluation, ["id", "session_id", "rating", "comment", "created_at"], evaluations, len(evaluations)
        )

    # -- help offers, self-referrals and youth intakes

    def _directory(self) -> None:
        rng, today = self.rng, self.today_ord
        random = rng.random
        randint = partial(_rint, random)
        offers, served, referrals, intakes = [], [], [], []
        oid = self.writer.next_id(HelpOffer)
        mid = self.writer.next_id(HelpOffer.municipalities.through)
        sid = self.writer.next_id(SelfReferral)
        yid = self.writer.next_id(YouthIntake)
        now = self.at(today - 1, 12 * 3600)
        receiving = []
        for org in self.orgs:
            if org.kind not in (K.LOW_THRESHOLD, K.VOLUNTARY, K.MUNICIPAL_SERVICE):
                continue
            # Most low-threshold services (and always the first) take young people with the youth intake.
            youth = org.kind == K.LOW_THRESHOLD and (not any(y for _o, _g, y in receiving) or random() < 0.6)
            accepts = org.kind != K.MUNICIPAL_SERVICE or random() < 0.5
            children = org.kind == K.MUNICIPAL_SERVICE or random() < 0.3
            name = "Samtaler og grupper for unge pårørende" if youth else "Pårørendesamtaler og grupper"
            offers.append(
                (
                    oid,
                    org.id,
                    org.name,
                    f"{name} – {org.name}"[:200],
                    "For deg som er pårørende til noen med rus- eller spilleproblemer. Ingen henvisning.",
                    "",
                    children,
                    youth,
                    not youth,
                    not youth,
                    True,
                    True,
                    False,
                    False,
                    14 if youth else None,
                    35 if youth else None,
                    "NO",
                    False,
                    "norsk",
                    True,
                    False,
                    accepts,
                    youth,
                    f"{randint(21, 79)} {randint(10, 99)} {randint(10, 99)} {randint(10, 99)}",
                    "",
                    "",
                    "",
                    "Mandag–fredag 9–16",
                    True,
                    now,
                )
            )
            municipalities = [n for n, _ in self.municipalities[org.region]]
            for number in {org.municipality, *rng.sample(municipalities, min(len(municipalities), randint(0, 3)))}:
                served.append((mid, oid, self.municipality_ids[number]))
                mid += 1
            if accepts:
                receiving.append((oid, org, youth))
            oid += 1
        # Young people find the services made for them: those get three times the requests.
        weighted = [offer for offer in receiving for _ in range(3 if offer[2] else 1)]
        references: set[str] = set()
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        days = sorted(today - randint(1, 730) for _ in range(self.sizes.self_referrals))
        S = SelfReferral.Status
        for day in days:
            offer_id, org, youth = rng.choice(weighted)
            while True:
                reference = "".join(rng.choice(alphabet) for _ in range(8))
                if reference not in references:
                    references.add(reference)
                    break
            age = randint(14, 35) if youth else randint(18, 75)
            created = self.at(day, randint(0, 86399))
            old = today - day > 60
            status = _choose(
                rng,
                ((S.CONVERTED, 45), (S.CLOSED, 40), (S.CONTACTED, 10), (S.ASSIGNED, 5))
                if old
                else ((S.NEW, 30), (S.ASSIGNED, 25), (S.CONTACTED, 25), (S.CONVERTED, 10), (S.CLOSED, 10)),
            )
            staff = org.users(R.COORDINATOR, R.CLINICIAN, R.GROUP_LEADER)
            assigned = rng.choice(staff)[0] if staff and status != S.NEW else None
            contacted = (
                created + timedelta(days=randint(1, 7))
                if status in (S.CONTACTED, S.CONVERTED, S.CLOSED) and random() < 0.9
                else None
            )
            enrolment = None
            if status == S.CONVERTED and self.enrolments_at.get(org.index):
                enrolment = rng.choice(self.enrolments_at[org.index])
            closed = created + timedelta(days=randint(3, 40)) if status == S.CLOSED else None
            method = _choose(rng, (("sms", 0.5), ("call", 0.35), ("email", 0.15)))
            given = rng.choice(GIVEN[(age < 18, random() < 0.3)])
            referrals.append(
                (
                    sid,
                    offer_id,
                    org.id,
                    reference,
                    rng.choice(HELP_WANTED),
                    age,
                    _choose(
                        rng,
                        (
                            ("parent", 5),
                            ("partner", 2),
                            ("sibling", 2),
                            ("child", 1),
                            ("other_family", 1),
                            ("friend", 1),
                        ),
                    ),
                    given if random() < 0.7 else "",
                    method,
                    f"9{randint(0, 99):02d} {randint(0, 99):02d} {randint(0, 999):03d}" if method != "email" else "",
                    f"{_ascii(given)}{randint(1, 999)}@example.no" if method == "email" else "",
                    rng.choice(("Etter kl. 16", "Når som helst", "Hverdager før kl. 15", "")),
                    random() < 0.4,
                    created,
                    status,
                    assigned,
                    min(contacted, now) if contacted else None,
                    None,
                    enrolment,
                    _choose(rng, (("no_contact", 3), ("declined", 2), ("elsewhere", 3), ("duplicate", 1), ("other", 1)))
                    if status == S.CLOSED
                    else "",
                    "",
                    min(closed, now) if closed else None,
                    created,
                )
            )
            if youth and random() < 0.85:

                def yes_no(p: float):
                    return None if random() < 0.1 else random() < p

                def years(flag):
                    return randint(1, 15) if flag else None

                psych, phys, sexual = yes_no(0.55), yes_no(0.3), yes_no(0.1)
                talked = [random() < p for p in (0.3, 0.45, 0.35, 0.2, 0.3, 0.1)]
                if not any(talked[1:]):
                    talked[0] = True
                intakes.append(
                    (
                        yid,
                        sid,
                        org.id,
                        yes_no(0.6),
                        yes_no(0.45),
                        yes_no(0.15),
                        randint(1, 18) if random() < 0.9 else None,
                        psych,
                        years(psych),
                        phys,
                        years(phys),
                        sexual,
                        years(sexual),
                        yes_no(0.2),
                        yes_no(0.1),
                        yes_no(0.55),
                        *talked,
                        yes_no(0.4),
                        self.day(day),
                    )
                )
                yid += 1
            sid += 1
        w = self.writer
        w.write(
            HelpOffer,
            [
                "id",
                "organisation_id",
                "provider",
                "name",
                "summary",
                "description",
                "for_children",
                "for_young_people",
                "for_partners",
                "for_parents",
                "for_siblings",
                "for_adult_children",
                "for_pregnant",
                "for_professionals",
                "min_age",
                "max_age",
                "country",
                "nationwide",
                "languages",
                "free",
                "referral_needed",
                "accepts_self_referral",
                "youth_intake",
                "phone",
                "email",
                "web",
                "address",
                "opening_hours",
                "active",
                "updated_at",
            ],
            offers,
            len(offers),
        )
        w.write(
            HelpOffer.municipalities.through,
            ["id", "helpoffer_id", "municipality_id"],
            served,
            len(served),
            label="directory_helpoffer_municipalities",
        )
        w.write(
            SelfReferral,
            [
                "id",
                "offer_id",
                "organisation_id",
                "reference",
                "help_wanted",
                "age",
                "relation",
                "name",
                "contact_method",
                "phone",
                "email",
                "safe_times",
                "may_leave_message",
                "consented_at",
                "status",
                "assigned_to_id",
                "contacted_at",
                "converted_episode_id",
                "converted_enrolment_id",
                "close_reason",
                "close_note",
                "closed_at",
                "created_at",
            ],
            referrals,
            len(referrals),
        )
        w.write(
            YouthIntake,
            [
                "id",
                "self_referral_id",
                "organisation_id",
                "father_problem",
                "mother_problem",
                "other_parent_problem",
                "years_affected",
                "psychological_violence",
                "psychological_violence_years",
                "physical_violence",
                "physical_violence_years",
                "sexual_violation",
                "sexual_violation_years",
                "suicide_threats",
                "suicide_attempt_witnessed",
                "parents_separated",
                "talked_to_nobody",
                "talked_to_friend",
                "talked_to_family",
                "talked_to_school",
                "talked_to_health",
                "talked_to_child_welfare",
                "earlier_help",
                "created_on",
            ],
            intakes,
            len(intakes),
        )

    # -- instrument responses: scored by the engine once per answer pattern

    PATTERNS = 120
    CONTEXTS = (("", False), ("female", False), ("male", False), ("female", True))

    def _patterns(self) -> dict[tuple[str, int], list[tuple]]:
        """For each built-in instrument and context, a pool of scored answer patterns (JSON ready)."""
        rng = self.rng
        pools: dict[tuple[str, int], list[tuple]] = {}
        self.instrument_ids: dict[str, int] = {}
        newest: dict[str, Instrument] = {}
        for instrument in Instrument.objects.filter(organisation__isnull=True, active=True).order_by("key", "-version"):
            newest.setdefault(instrument.key, instrument)
        self.public_instruments = []
        for key, instrument in newest.items():
            definition = parsed_definition(instrument)
            self.instrument_ids[key] = instrument.pk
            if definition.audience in ("public", "both") and not definition.has_placeholders:
                self.public_instruments.append(key)
            for c, (sex, pregnant) in enumerate(self.CONTEXTS):
                context = engine.Context(sex=sex, pregnant=pregnant)
                context_json = json.dumps({"sex": sex, "pregnant": pregnant})
                pool = []
                for _ in range(self.PATTERNS):
                    severity = rng.random() ** 1.6
                    answers = {}
                    for item in definition.items:
                        values = sorted(o.value for o in definition.options_of(item))
                        if not item.required and rng.random() < 0.1:
                            continue
                        i = round(severity * (len(values) - 1) + rng.gauss(0, 0.8))
                        answers[item.key] = values[min(len(values) - 1, max(0, i))]
                    result = engine.score(definition, answers, context)
                    zone = result.zone
                    pool.append(
                        (
                            json.dumps(result.answers),
                            json.dumps(result.scores),
                            zone.key if zone else "",
                            zone.level if zone else None,
                            context_json,
                        )
                    )
                pools[(key, c)] = pool
        return pools

    def _big_tables(self) -> None:
        """The instrument responses and the access log, in parts written side by side."""
        t0 = time.monotonic()
        pools = self._patterns()
        scored = sum(len(p) for p in pools.values())
        self.say(f"Scored {scored:,} answer patterns with the engine in {_duration(time.monotonic() - t0)}")
        jobs = self._response_jobs(pools) + self._access_log_jobs()
        jobs.sort(key=lambda job: -job.total)
        self.writer.write_jobs(jobs)

    RESPONSE_COLUMNS = [
        "id", "instrument_id", "organisation_id", "person_id", "episode_id", "enrolment_id", "answers", "scores",
        "zone", "zone_level", "context", "background", "language", "answered_on", "created_at", "created_by_id",
    ]  # fmt: skip

    def _response_jobs(self, pools) -> list[Job]:
        rng, fams, today = self.rng, self.families, self.today_ord
        random = rng.random
        ids = self.instrument_ids
        total = self.sizes.responses
        measures = self.measures[: total // 10]
        staff_total = min(round(0.42 * total), total - len(measures))
        anonymous = total - staff_total - len(measures)
        n_eps = len(self.episodes)
        counts = [0] * n_eps
        for _ in range(staff_total):
            counts[int(random() * n_eps)] += 1
        per_day = _apportion(anonymous, [1.0 + i / 730 for i in range(730)], rng)
        relative_keys = ("family_member_impact", "coping_questionnaire", "relatives_self_check", "feelings_thermometer")
        area_keys = {
            "alcohol": ("audit", "audit_c"),
            "drugs": ("cast6", "symptom_rating"),
            "medicines": ("symptom_rating",),
            "gambling": ("pgsi",),
            "mental_health": ("symptom_rating",),
        }
        weights = {"audit_c": 30, "audit": 20, "pgsi": 15, "relatives_self_check": 25, "feelings_thermometer": 10}
        public = Chooser([(k, weights.get(k, 5)) for k in self.public_instruments])
        languages = Chooser((("nb", 88), ("en", 8), ("da", 4)))
        first = self.writer.next_id(Response)
        seeds = [rng.getrandbits(64), rng.getrandbits(64)]

        def recorded(seed: int):
            """Recorded by staff about their patients, then the programmes' baseline and end measures."""
            random = Random(seed).random  # noqa: S311
            day, at = self.day, self.at
            n = first
            for ep, count in zip(self.episodes, counts, strict=True):
                if not count:
                    continue
                fam = fams[ep.family]
                pregnant = ep.pregnancy == Episode.Pregnancy.YES
                context = 3 if pregnant else (2 if fam.members[0][0] else 1)
                if ep.kind == EK.RELATIVE:
                    keys = relative_keys
                else:
                    keys = tuple(k for a in json.loads(ep.areas) for k in area_keys[a])
                    if pregnant:
                        keys = (*keys, "audit_c_pregnancy", "tweak")
                keys = tuple(k for k in keys if k in ids) or tuple(ids)
                last = ep.end if ep.end is not None else today - 1
                span = last - ep.start + 1
                for d in sorted(ep.start + int(random() * span) for _ in range(count)):
                    key = keys[int(random() * len(keys))]
                    pool = pools[(key, context)]
                    answers, scores, zone, level, ctx = pool[int(random() * len(pool))]
                    yield (n, ids[key], ep.org.id, fam.pid, ep.id, None, answers, scores, zone, level, ctx, "{}",
                           "nb", day(d), at(d, 21600 + int(random() * 39600)), ep.responsible)  # fmt: skip
                    n += 1
            for enrolment, key, d, org_id, person, user in measures:
                if key not in ids:
                    key = "feelings_thermometer"
                pool = pools[(key, 0)]
                answers, scores, zone, level, ctx = pool[int(random() * len(pool))]
                yield (n, ids[key], org_id, person, None, enrolment, answers, scores, zone, level, ctx, "{}", "nb",
                       day(d), at(d, 20 * 3600), user)  # fmt: skip
                n += 1

        def self_tests(seed: int):
            """Anonymous self-tests, day by day over two years: no person, no organisation, no time of day."""
            random = Random(seed).random  # noqa: S311
            n = first + staff_total + len(measures)
            for i, count in enumerate(per_day):
                d = self.day(today - 730 + i)
                for _ in range(count):
                    key = public(random)
                    r = random()
                    context = 0 if r < 0.4 else (1 if r < 0.75 else 2)
                    pool = pools[(key, context)]
                    answers, scores, zone, level, ctx = pool[int(random() * len(pool))]
                    yield (n, ids[key], None, None, None, None, answers, scores, zone, level, ctx, "{}",
                           languages(random), d, None, None)  # fmt: skip
                    n += 1

        return [
            Job(Response, self.RESPONSE_COLUMNS, partial(recorded, seeds[0]), staff_total + len(measures)),
            Job(Response, self.RESPONSE_COLUMNS, partial(self_tests, seeds[1]), anonymous),
        ]

    ACCESS_COLUMNS = [
        "id", "at", "user_id", "user_label", "organisation_id", "role", "subject_id", "action", "object_type",
        "object_id", "request_id", "via", "reason", "details",
    ]  # fmt: skip

    def _access_log_jobs(self) -> list[Job]:
        """A year of reading and writing, request by request, in time order; in parts of whole days."""
        rng, fams, today = self.rng, self.families, self.today_ord
        days = 365
        weights = [0.3 if self.day(today - days + i).weekday() >= 5 else 1.0 for i in range(days)]
        per_day = _apportion(self.sizes.access_log, weights, rng)
        starts = [ep.start for ep in self.episodes]
        ends = [ep.end if ep.end is not None else today for ep in self.episodes]
        users = {}
        for uid, email in self.user_email.items():
            users[uid] = (email, self.user_role.get(uid, ""))
        users[None] = ("", "")
        staff_of = {org.index: [u for u, _e in org.users(*PERSONAL)] for org in self.orgs}
        # Per episode, what a request about it needs.
        info = []
        for ep in self.episodes:
            fam = fams[ep.family]
            kids = tuple(fam.pid + c for c in fam.children)
            info.append((ep.org.id, fam.pid, str(fam.pid), kids, ep.responsible, ep.child_contact,
                         staff_of[ep.org.index], str(ep.id)))  # fmt: skip
        parts = self.writer.workers
        cuts = [0]
        running, target = 0, self.sizes.access_log / parts
        for i, count in enumerate(per_day):
            running += count
            if running >= target * len(cuts) and len(cuts) < parts:
                cuts.append(i + 1)
        cuts.append(days)
        first = self.writer.next_id(AccessLog)
        firsts = [first + sum(per_day[: cuts[k]]) for k in range(len(cuts) - 1)]
        seeds = [rng.getrandbits(64) for _ in range(len(cuts) - 1)]

        def day_rows(lo: int, hi: int, n: int, seed: int):
            r = Random(seed)  # noqa: S311
            random, getrandbits = r.random, r.getrandbits
            for i in range(lo, hi):
                count = per_day[i]
                day = today - days + i
                midnight = self.at(day, 0)
                visible = bisect.bisect_right(starts, day) or 1
                seconds = sorted([21600 + int(random() * 50400) for _ in range(count)])
                k = 0
                while k < count:
                    e = int(random() * visible)
                    if ends[e] < day - 60 and random() < 0.7:
                        e = int(random() * visible)  # mostly episodes open that day, or recently
                    org_id, patient, patient_str, kids, responsible, contact, staff, ep_id = info[e]
                    x = random()
                    if responsible and x < 0.6:
                        user = responsible
                    elif contact and x < 0.8:
                        user = contact
                    elif staff:
                        user = staff[int(random() * len(staff))]
                    else:
                        user = responsible
                    label, role = users[user]
                    request = f"{getrandbits(128):032x}"
                    via = "api" if random() < 0.04 else "web"
                    at = midnight + timedelta(seconds=seconds[k])
                    x = random()
                    if x < 0.02:
                        yield (n, at, user, label, org_id, role, None, "login", "", "", request, via, "", "{}")
                        n += 1
                        k += 1
                    elif x < 0.25 and kids:
                        # A list page: one row per child shown, and the episode.
                        for child in kids:
                            if k < count:
                                yield (n, at, user, label, org_id, role, child, "view", "people.person", str(child),
                                       request, via, "", "{}")  # fmt: skip
                                n += 1
                                k += 1
                        if k < count:
                            yield (n, at, user, label, org_id, role, patient, "view", "care.episode", ep_id, request,
                                   via, "", "{}")  # fmt: skip
                            n += 1
                            k += 1
                    else:
                        a = random()
                        action = (
                            "view" if a < 0.88 else ("change" if a < 0.94 else ("create" if a < 0.99 else "export"))
                        )
                        if random() < 0.5:
                            yield (n, at, user, label, org_id, role, patient, action, "care.episode", ep_id, request,
                                   via, "", "{}")  # fmt: skip
                        else:
                            yield (n, at, user, label, org_id, role, patient, action, "people.person", patient_str,
                                   request, via, "", "{}")  # fmt: skip
                        n += 1
                        k += 1

        def rows(lo: int, hi: int, n: int, seed: int):
            # Ids follow time, but each chunk of rows goes in ordered by person: the indexes on the person are
            # the ones without locality, and in order each of their pages is read and dirtied once per chunk.
            chunk: list[tuple] = []
            for row in day_rows(lo, hi, n, seed):
                chunk.append(row)
                if len(chunk) >= 100_000:
                    chunk.sort(key=by_subject)
                    yield from chunk
                    chunk = []
            chunk.sort(key=by_subject)
            yield from chunk

        return [
            Job(
                AccessLog,
                self.ACCESS_COLUMNS,
                partial(rows, cuts[k], cuts[k + 1], firsts[k], seeds[k]),
                sum(per_day[cuts[k] : cuts[k + 1]]),
            )
            for k in range(len(cuts) - 1)
        ]


# --- Reset -----------------------------------------------------------------------------------------

WRITTEN_MODELS = (
    Organisation,
    Municipality,
    User,
    Membership,
    Person,
    Relationship,
    Episode,
    ChildSheet,
    InformationGiven,
    Task,
    ConcernReport,
    Consent,
    Referral,
    ReferralEvent,
    Consultation,
    ConsultationReply,
    Run,
    Session,
    Participant,
    Enrolment,
    Attendance,
    SessionEvaluation,
    HelpOffer,
    SelfReferral,
    YouthIntake,
    Response,
    AccessLog,
)


def affected_models() -> list:
    """The models written here and every model that points at one of them (their rows go too)."""
    found = list(WRITTEN_MODELS)
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model in found or model._meta.proxy or not model._meta.managed:
                continue
            if any(f.is_relation and f.many_to_one and f.related_model in found for f in model._meta.concrete_fields):
                found.append(model)
                changed = True
    return found


def reset() -> list[str]:
    """Delete every row of the affected tables (ids start again from 1). Returns the table names."""
    tables = sorted({m._meta.db_table for m in affected_models()})
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(qn(t) for t in tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {qn(table)}")  # noqa: S608
            if connection.vendor == "sqlite":
                placeholders = ", ".join(["%s"] * len(tables))
                cursor.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({placeholders})", tables)  # noqa: S608
    return tables


def scale_data_exists() -> bool:
    return User.objects.filter(email__in=PERSONA_EMAILS).exists()
