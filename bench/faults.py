#!/usr/bin/env python3
"""Kindred under faults: a bounded write load while a gunicorn worker is killed and PostgreSQL is restarted.

    make faults                                  # about 75 s of load, then the checks; exit 1 if one fails
    .venv/bin/python bench/faults.py --help

1. Creates a fresh PostgreSQL database (kindred_faults by default; never kindred_bench or kindred_scale),
   migrates it and loads the demo data (`demo_data`), the way bench/run.py builds its data.
2. Starts Kindred with production settings under gunicorn on 127.0.0.1 (bench/run.py's Server) with persistent
   database connections, and logs in as the demo clinician.
3. Runs the load: --clients concurrent clients each register new patients through the intake form
   (/care/intake/: a person, an episode and their two audit rows in one transaction), each with a unique
   family name carrying the run's marker, and remember every request answered with the redirect to the new
   episode (the success answer).
4. During the load it SIGKILLs one gunicorn worker (the master starts a new one) and restarts the PostgreSQL
   cluster (`pg_ctlcluster … restart`, fast mode; other databases on the server see the restart too, so it is
   done once, or twice with --db-restarts 2, and the script makes sure the server is back).
5. Checks: every acknowledged registration is in the database; no half-written registration exists (a person
   without its episode, or either without its audit row); no registration was stored twice; after each fault a
   request succeeds again within --recover-within seconds, the same gunicorn master still serves and has all
   its workers, and requests succeed after the load. Prints the error window of each fault (seconds from the
   first failure to the first success after it) and the counts, and exits 1 when a check fails.

Failed requests may still have been stored (the transaction committed, the answer was lost with the killed
worker or the database connection): they are counted, not errors; nothing a client was told is lost.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from run import (  # noqa: E402
    PERSONA_SETS,
    BenchError,
    Client,
    Server,
    find_form,
    log,
    login,
    manage,
    server_environment,
    setup_environment,
)

PROTECTED_DATABASES = ("kindred_bench", "kindred_scale")
INTAKE_PATH = "/care/intake/"
# The intake answers a registration with a redirect to the new episode's children question.
SUCCESS_LOCATION = re.compile(r"/care/episodes/(\d+)/children-answer/")
PERSON_TYPE = "people.person"
EPISODE_TYPE = "care.episode"


# --- What happened ---------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One registration request: its unique family name, when it ran (seconds since the load began), the answer."""

    name: str
    started: float
    ended: float
    status: int | None = None  # None: no HTTP answer (refused, reset, timed out)
    episode_id: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.episode_id is not None


@dataclass
class Fault:
    """A fault the script caused: when it began and when the action returned (seconds since the load began)."""

    kind: str  # "worker_kill" or "db_restart"
    title: str
    at: float
    done: float
    detail: dict = field(default_factory=dict)


@dataclass
class DatabaseState:
    """The run's registrations as stored: persons by id, episodes by id (their patient) and the create audit rows."""

    persons: dict[int, str]
    episodes: dict[int, int]
    audited: set[tuple[str, str]]


# --- Checks (pure functions; kindred/tests/test_faults_script.py) ---------------------------------------------------


def fetch_state(cursor, prefix: str) -> DatabaseState:
    """Read the registrations whose family name starts with `prefix` through a DB-API cursor (%s parameters)."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    cursor.execute("SELECT id, family_name FROM people_person WHERE family_name LIKE %s ESCAPE '\\'", [pattern])
    persons = {int(pk): name for pk, name in cursor.fetchall()}
    cursor.execute(
        "SELECT e.id, e.patient_id FROM care_episode e JOIN people_person p ON p.id = e.patient_id "
        "WHERE p.family_name LIKE %s ESCAPE '\\'",
        [pattern],
    )
    episodes = {int(pk): int(patient) for pk, patient in cursor.fetchall()}
    cursor.execute(
        "SELECT a.object_type, a.object_id FROM audit_accesslog a JOIN people_person p ON p.id = a.subject_id "
        "WHERE p.family_name LIKE %s ESCAPE '\\' AND a.action = %s",
        [pattern, "create"],
    )
    audited = {(object_type, str(object_id)) for object_type, object_id in cursor.fetchall()}
    return DatabaseState(persons, episodes, audited)


def consistency_problems(acknowledged: list[tuple[str, int]], state: DatabaseState) -> list[str]:
    """What is wrong with the stored registrations, given the (family name, episode id) of every success answer."""
    problems: list[str] = []
    for name, episode_id in acknowledged:
        patient = state.episodes.get(episode_id)
        if patient is None or state.persons.get(patient) != name:
            problems.append(f"lost: {name} was answered with episode {episode_id}, which is not in the database")
    persons_by_name: dict[str, list[int]] = {}
    for pk, name in state.persons.items():
        persons_by_name.setdefault(name, []).append(pk)
    for name, pks in sorted(persons_by_name.items()):
        if len(pks) > 1:
            problems.append(f"duplicate: one request, {len(pks)} persons named {name} ({sorted(pks)})")
    episodes_of: dict[int, list[int]] = {}
    for episode_id, patient in state.episodes.items():
        episodes_of.setdefault(patient, []).append(episode_id)
    for pk, name in sorted(state.persons.items()):
        count = len(episodes_of.get(pk, []))
        if count == 0:
            problems.append(f"half-written: person {pk} ({name}) has no episode")
        elif count > 1:
            problems.append(f"duplicate: person {pk} ({name}) has {count} episodes")
        if (PERSON_TYPE, str(pk)) not in state.audited:
            problems.append(f"half-written: person {pk} ({name}) has no audit row for its creation")
    for episode_id in sorted(state.episodes):
        if (EPISODE_TYPE, str(episode_id)) not in state.audited:
            problems.append(f"half-written: episode {episode_id} has no audit row for its creation")
    return problems


def fault_windows(attempts: list[Attempt], faults: list[Fault], end: float) -> list[dict]:
    """Per fault: the failures it caused (answers between it and the next fault), the error window (first failure
    to the first success of a request sent after it) and how long after the fault requests succeed again."""
    out = []
    ordered = sorted(faults, key=lambda f: f.at)
    for index, fault in enumerate(ordered):
        until = ordered[index + 1].at if index + 1 < len(ordered) else end
        failures = [a for a in attempts if not a.ok and fault.at <= a.ended < until]
        first_failure = min((a.ended for a in failures), default=None)
        last_failure = max((a.ended for a in failures), default=None)
        # Recovered: a request sent once the fault's action was over and after its first failure succeeds.
        since = max(fault.done, first_failure) if first_failure is not None else fault.done
        first_success = min((a.ended for a in attempts if a.ok and a.started >= since), default=None)
        if first_failure is None:
            window = 0.0
        elif first_success is None:
            window = None
        else:
            window = first_success - first_failure
        out.append(
            {
                "kind": fault.kind,
                "title": fault.title,
                "at_s": round(fault.at, 2),
                "action_s": round(fault.done - fault.at, 2),
                "failures": len(failures),
                "first_failure_s": _round(first_failure),
                "last_failure_s": _round(last_failure),
                "first_success_after_s": _round(first_success),
                "error_window_s": _round(window),
                "recovered_after_s": _round(first_success - fault.at if first_success is not None else None),
                **fault.detail,
            }
        )
    return out


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


# --- Database and cluster ------------------------------------------------------------------------------------


def fresh_database(base_url: str, name: str) -> str:
    """Drop and create the run's own database; refuses the benchmark's databases and test ones."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise BenchError(f"database name {name!r}: use lower-case letters, digits and _")
    if name in PROTECTED_DATABASES or name.startswith("test") or name == "postgres":
        raise BenchError(f"{name} is not the fault script's to drop; choose another --database")
    import psycopg

    base = base_url.rstrip("/")
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        raise BenchError(f"cannot reach PostgreSQL at {base}: {error}") from None
    log(f"created a fresh PostgreSQL database {name}")
    return f"{base}/{name}"


def drop_database(base_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{base_url.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def local_cluster(base_url: str, cluster: str) -> tuple[str, str]:
    """The Debian cluster (version, name) to restart; only a server on this machine can be restarted."""
    host = urllib.parse.urlsplit(base_url).hostname or "localhost"
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise BenchError(f"PostgreSQL at {host} is not on this machine; the script restarts only a local cluster")
    if cluster:
        version, _sep, name = cluster.partition("/")
        return version, name or "main"
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*") if p.is_dir())
    if len(versions) != 1:
        raise BenchError(
            f"PostgreSQL clusters {versions or 'none'} in /etc/postgresql: name one with --cluster 15/main"
        )
    return versions[0], "main"


def postgres_ready(base_url: str) -> bool:
    parts = urllib.parse.urlsplit(base_url)
    command = ["pg_isready", "-q", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    return subprocess.run(command, check=False).returncode == 0  # noqa: S603


def wait_for_postgres(base_url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if postgres_ready(base_url):
            return True
        time.sleep(0.2)
    return postgres_ready(base_url)


def restart_postgres(base_url: str, cluster: tuple[str, str]) -> dict:
    """Restart the cluster (fast mode: open transactions roll back) and wait until it accepts connections."""
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "restart"]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    if result.returncode != 0:
        ensure_postgres_up(base_url, cluster)
        raise BenchError(f"{' '.join(command)} failed: {result.stderr.strip() or result.stdout.strip()}")
    if not wait_for_postgres(base_url, 30):
        ensure_postgres_up(base_url, cluster)
    return {"restart_s": round(time.monotonic() - started, 2)}


def ensure_postgres_up(base_url: str, cluster: tuple[str, str]) -> None:
    """Other work shares the server: whatever happened, leave it running."""
    if wait_for_postgres(base_url, 5):
        return
    log(f"PostgreSQL {'/'.join(cluster)} is not answering; starting it")
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "start"]
    subprocess.run(command, check=False)  # noqa: S603
    if not wait_for_postgres(base_url, 30):
        raise BenchError(f"PostgreSQL {'/'.join(cluster)} did not come back; start it: {' '.join(command)}")


def kill_worker(server: Server) -> dict:
    """SIGKILL one gunicorn worker mid-load and wait for the master to start a new one."""
    before = server.worker_pids()
    if not before:
        raise BenchError("gunicorn has no workers to kill")
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    started = time.monotonic()
    respawned = None
    while time.monotonic() - started < 30:
        pids = server.worker_pids()
        if victim not in pids and len(pids) >= len(before):
            respawned = time.monotonic() - started
            break
        time.sleep(0.05)
    return {"killed_pid": victim, "respawned_s": _round(respawned)}


# --- The load ------------------------------------------------------------------------------------------------


class IntakeLoad:
    """Clients registering new patients through the intake form until stopped."""

    def __init__(self, port: int, session: Client, prefix: str, clients: int, think: float):
        self.port = port
        self.prefix = prefix
        self.clients = clients
        self.think = think
        self.template = intake_template(session)
        self.cookies = dict(session.cookies)
        self.attempts: list[Attempt] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.origin = time.monotonic()
        self.threads: list[threading.Thread] = []

    def now(self) -> float:
        return time.monotonic() - self.origin

    def register(self, client: Client, name: str) -> Attempt:
        data = {**self.template, "person-family_name": name}
        if "submission_token" in data:
            # A fresh form's one-time token: the same token twice is a double submission (kindred/security.py).
            data["submission_token"] = secrets.token_urlsafe(18)
        attempt = Attempt(name=name, started=self.now(), ended=0.0)
        try:
            status, headers, _page, _t = client.post(INTAKE_PATH, data, headers={"Accept": "text/html"})
        except (OSError, http.client.HTTPException) as error:
            attempt.error = type(error).__name__
        else:
            attempt.status = status
            match = SUCCESS_LOCATION.search(headers.get("Location", "")) if status == 302 else None
            if match:
                attempt.episode_id = int(match.group(1))
            else:
                attempt.error = f"HTTP {status}"
        attempt.ended = self.now()
        with self.lock:
            self.attempts.append(attempt)
        return attempt

    def _client_loop(self, number: int) -> None:
        client = Client(self.port)
        client.cookies = dict(self.cookies)
        sequence = 0
        while not self.stop.is_set():
            sequence += 1
            attempt = self.register(client, f"{self.prefix}{number:02d}-{sequence:05d}")
            # A person facing an error page waits a moment before sending the next registration.
            self.stop.wait(self.think if attempt.ok else max(self.think, 0.25))

    def start(self) -> None:
        self.origin = time.monotonic()
        for number in range(self.clients):
            thread = threading.Thread(target=self._client_loop, args=(number,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


def intake_template(client: Client) -> dict:
    status, _h, page, _t = client.get(INTAKE_PATH)
    if status != 200:
        raise BenchError(f"GET {INTAKE_PATH} answered {status}")
    return intake_fields(page)


def intake_fields(page: str) -> dict:
    """The intake form's fields for a new outpatient with no birth date (so no duplicate warning); the family name
    is added per request."""
    form = find_form(page, "person-family_name")
    if form is None:
        raise BenchError(f"{INTAKE_PATH} has no intake form")
    fields = form["fields"]
    data = {name: spec.get("value", "") for name, spec in fields.items() if spec["kind"] == "hidden"}

    def choice(name: str, preferred: str) -> str:
        values = [v for v in fields.get(name, {}).get("values", []) if v]
        if not values:
            raise BenchError(f"the intake form has no choices for {name}")
        return preferred if preferred in values else values[0]

    data.update(
        {
            "person-given_name": "Fault",
            "episode-kind": choice("episode-kind", "outpatient"),
            "episode-started_on": fields.get("episode-started_on", {}).get("value") or time.strftime("%Y-%m-%d"),
            "episode-pregnancy": choice("episode-pregnancy", "unknown"),
        }
    )
    return data


# --- Report --------------------------------------------------------------------------------------------------


def print_report(summary: dict, windows: list[dict], checks: list[tuple[str, bool, str]]) -> None:
    print()
    print(
        f"Load: {summary['seconds']:.0f} s, {summary['clients']} clients, {summary['workers']} gunicorn workers, "
        f"intake registrations (person + episode + audit rows, one transaction)"
    )
    print(
        f"requests: {summary['requests']} — {summary['succeeded']} succeeded, {summary['failed']} failed "
        f"({summary['no_answer']} without an HTTP answer, {summary['server_errors']} HTTP 5xx, "
        f"{summary['other_failures']} other)"
    )
    print(
        f"database: {summary['stored']} registrations stored and {summary['acknowledged']} acknowledged (with the "
        f"{summary['probes']} probes after the load); {summary['stored_unacknowledged']} stored although the "
        f"answer was a failure (committed, answer lost in flight)"
    )
    print()
    header = f"{'fault':<34} {'at':>6} {'action':>7} {'failures':>8} {'error window':>12} {'recovered after':>15}"
    print(header)
    print("-" * len(header))
    for w in windows:
        window = "-" if w["error_window_s"] is None else f"{w['error_window_s']:.2f} s"
        recovered = "never" if w["recovered_after_s"] is None else f"{w['recovered_after_s']:.2f} s"
        print(
            f"{w['title']:<34} {w['at_s']:>5.1f}s {w['action_s']:>6.2f}s {w['failures']:>8} {window:>12} "
            f"{recovered:>15}"
        )
    print("(at: seconds into the load; action: how long the kill or restart command took; error window: first")
    print(" failure to the first success of a request sent after it; recovered after: from the fault to that success)")
    print()
    for title, ok, detail in checks:
        print(f"[{'ok' if ok else 'FAILED'}] {title}" + (f": {detail}" if detail else ""))


# --- Main ----------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no db")
    parser.add_argument("--database", default="kindred_faults", help="the run's own database (dropped and created)")
    parser.add_argument("--keep-database", action="store_true", help="keep the database afterwards for inspection")
    parser.add_argument("--cluster", default="", help="Debian cluster to restart, e.g. 15/main (default: the only one)")
    parser.add_argument("--duration", type=float, default=75, help="seconds of load (default 75)")
    parser.add_argument("--clients", type=int, default=6, help="concurrent clients (default 6)")
    parser.add_argument("--think", type=float, default=0.05, help="seconds each client waits between requests")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--conn-max-age", type=int, default=60, help="DB_CONN_MAX_AGE for the server (default 60)")
    parser.add_argument("--db-restarts", type=int, choices=(0, 1, 2), default=1, help="PostgreSQL restarts (max 2)")
    parser.add_argument(
        "--recover-within", type=float, default=30, help="seconds allowed to succeed again after a fault"
    )
    parser.add_argument("--probes", type=int, default=5, help="registrations sent one by one after the load")
    opts = parser.parse_args(argv)
    if opts.duration < 30 or opts.duration > 300:
        parser.error("--duration is between 30 and 300 seconds")
    return opts


def schedule(duration: float, db_restarts: int) -> list[tuple[float, str]]:
    """When each fault happens (seconds into the load): the worker kill first, then the restarts, all with time to
    recover before the next one and before the end."""
    kinds = ["worker_kill"] + ["db_restart"] * db_restarts
    step = duration / (len(kinds) + 1)
    return [(step * (index + 1), kind) for index, kind in enumerate(kinds)]


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    cluster = local_cluster(opts.pg, opts.cluster) if opts.db_restarts else ("", "")
    persona = PERSONA_SETS["demo"]
    database_url = fresh_database(opts.pg, opts.database)
    setup_env = setup_environment(database_url)
    prefix = f"Fault{secrets.token_hex(3)}-"
    load: IntakeLoad | None = None
    faults: list[Fault] = []
    probes: list[Attempt] = []
    checks: list[tuple[str, bool, str]] = []
    try:
        manage(["migrate", "--noinput", "-v", "0"], setup_env)
        manage(["demo_data"], setup_env, capture=True)
        server_env = server_environment(setup_env, database_url, opts.conn_max_age)
        with Server(server_env, opts.workers, 30) as server:
            master = server.process.pid
            session = login(server.port, persona["users"]["clinician"], persona["password"])
            load = IntakeLoad(server.port, session, prefix, opts.clients, opts.think)
            log(f"load: {opts.clients} clients registering patients for {opts.duration:g} s (marker {prefix})")
            load.start()
            try:
                for at, kind in schedule(opts.duration, opts.db_restarts):
                    load.stop.wait(max(0.0, at - load.now()))
                    began = load.now()
                    if kind == "worker_kill":
                        detail = kill_worker(server)
                        title = f"SIGKILL gunicorn worker {detail['killed_pid']}"
                    else:
                        detail = restart_postgres(opts.pg, cluster)
                        title = f"restart PostgreSQL {'/'.join(cluster)}"
                    faults.append(Fault(kind, title, began, load.now(), detail))
                    log(f"{title} at {began:.1f} s ({detail})")
                load.stop.wait(max(0.0, opts.duration - load.now()))
            finally:
                load.finish()
                if opts.db_restarts:
                    ensure_postgres_up(opts.pg, cluster)
            end = load.now()
            attempts = list(load.attempts)
            probe_client = Client(server.port)
            probe_client.cookies = dict(load.cookies)
            for number in range(opts.probes):
                probes.append(load.register(probe_client, f"{prefix}probe-{number:02d}"))
            same_master = server.process.poll() is None and server.process.pid == master
            workers_now = len(server.worker_pids())
            server_log = server.log_tail(2000)

        import psycopg

        with psycopg.connect(database_url) as conn, conn.cursor() as cursor:
            state = fetch_state(cursor, prefix)
    finally:
        if not opts.keep_database:
            with contextlib.suppress(Exception):
                drop_database(opts.pg, opts.database)

    acknowledged = [(a.name, a.episode_id) for a in load.attempts if a.ok]
    problems = consistency_problems(acknowledged, state)
    windows = fault_windows(attempts, faults, end)
    stored_names = set(state.persons.values())
    acknowledged_names = {name for name, _id in acknowledged}
    failed = [a for a in attempts if not a.ok]
    summary = {
        "seconds": end,
        "clients": opts.clients,
        "workers": opts.workers,
        "requests": len(attempts),
        "succeeded": len(attempts) - len(failed),
        "failed": len(failed),
        "no_answer": sum(1 for a in failed if a.status is None),
        "server_errors": sum(1 for a in failed if a.status is not None and a.status >= 500),
        "other_failures": sum(1 for a in failed if a.status is not None and a.status < 500),
        "stored": len(state.persons),
        "acknowledged": len(acknowledged),
        "stored_unacknowledged": len(stored_names - acknowledged_names),
        "probes": len(probes),
    }
    lost = [p for p in problems if p.startswith("lost")]
    torn = [p for p in problems if not p.startswith("lost")]
    unrecovered = [
        w["title"]
        for w in windows
        if w["recovered_after_s"] is None or w["recovered_after_s"] - w["action_s"] > opts.recover_within
    ]
    other = sorted({a.error for a in failed if a.status is not None and a.status < 500})
    checks = [
        ("every acknowledged registration is in the database", not lost, "; ".join(lost[:5])),
        ("no half-written or duplicated registration", not torn, "; ".join(torn[:5])),
        (
            f"requests succeed again within {opts.recover_within:g} s of each fault",
            bool(windows) and not unrecovered,
            ", ".join(unrecovered),
        ),
        (
            "the same gunicorn master serves with all its workers (no restart)",
            same_master and workers_now == opts.workers,
            f"{workers_now} workers",
        ),
        (
            f"{opts.probes} registrations one by one after the load all succeed",
            all(a.ok for a in probes),
            ", ".join(a.error for a in probes if not a.ok),
        ),
        ("no failure other than an error page or a lost connection", not other, ", ".join(other)),
    ]
    print_report(summary, windows, checks)
    tracebacks = server_log.count("Traceback")
    print(
        f"(the server logged {tracebacks} tracebacks during the faults; they are expected while the database is down)"
    )
    return 0 if all(ok for _t, ok, _d in checks) else 1


def _terminate(signum, _frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"faults: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("faults: interrupted; the server is stopped", file=sys.stderr)
        sys.exit(130)
