#!/usr/bin/env python3
"""Kindred's benchmark: national-scale data, production settings, a real HTTP load generator.

    make bench                                   # PostgreSQL database kindred_bench, national size
    make bench BENCH_ARGS="--sqlite"             # SQLite file bench/data/kindred_bench.sqlite3, --small size
    .venv/bin/python bench/run.py --help

1. Builds or reuses the data: creates the PostgreSQL database if needed, runs `migrate` (a no-op when the
   schema is current) and, only when the persona users are missing, `scale_data` (or `demo_data` with
   `--personas demo`).
2. Starts Kindred with production settings (KINDRED_PRODUCTION=1, BEHIND_PROXY=1, collected static files)
   under gunicorn on 127.0.0.1:<free port> and waits for /healthz; stops it at the end, on errors and Ctrl-C.
3. Logs in as the personas over HTTP (login form, CSRF token, session cookie) and issues API tokens
   (bench/prepare.py).
4. Runs each scenario with wrk (bench/scenario.lua) for --duration seconds after a short warm-up, waiting for
   the server to drain between scenarios, and /healthz first as the trivial endpoint to compare with.
5. Prints requests/s, p50/p95/p99 and the target of each scenario, the memory of each worker, and writes
   everything with the machine's description to bench/results/<timestamp>.json.

The load generator sends `X-Forwarded-Proto: https` as the TLS proxy in front of Kindred would.
"""

from __future__ import annotations

import argparse
import contextlib
import html.parser
import http.client
import importlib.metadata
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LUA_SCRIPT = BENCH / "scenario.lua"
RESULTS = BENCH / "results"
DEFAULT_SQLITE = BENCH / "data" / "kindred_bench.sqlite3"

PERSONA_SETS: dict[str, dict] = {
    # Created by `manage.py scale_data` (kindred/scale): all in the largest specialist unit, but `senter`, an
    # analyst in a competence centre (the whole country).
    "bench": {
        "password": "kindred-bench-2026",
        "build": "scale",
        "users": {
            "clinician": "clinician@bench.kindred.no",
            "barneansvarlig": "barneansvarlig@bench.kindred.no",
            "koordinator": "koordinator@bench.kindred.no",
            "gruppeleder": "gruppeleder@bench.kindred.no",
            "analytiker": "analytiker@bench.kindred.no",
            "senter": "senter@bench.kindred.no",
        },
    },
    # Created by `manage.py demo_data` (README "Demo users"): small, but every scenario has something to do.
    "demo": {
        "password": "kindred-demo-2026",
        "build": "demo",
        "users": {
            "clinician": "klinikker@demo.kindred.no",
            "barneansvarlig": "barneansvarlig@demo.kindred.no",
            "koordinator": "koordinator@demo.kindred.no",
            "gruppeleder": "gruppeleder@demo.kindred.no",
            "analytiker": "admin@demo.kindred.no",  # statistics of the specialist unit (organisation admin)
            "senter": "analytiker@demo.kindred.no",  # analyst in a competence centre: the whole country
        },
    },
}
# Personas that must exist for the data to count as built (the others are logged in only when used).
REQUIRED_ROLES = ("clinician", "barneansvarlig", "analytiker", "senter")


# --- Targets (issue 8) ---------------------------------------------------------------------------------------

PAGE_P95_MS = 150
SQLITE_PAGE_P95_MS = 200
UNIT_DASHBOARD_P95_MS = 300
COUNTRY_DASHBOARD_P95_MS = 1000
SELFTEST_MIN_RPS = 300
SELFTEST_P95_MS = 100
PAGE_MIN_RATIO = 0.25
WORKER_MAX_MB = 250

TARGETS_TEXT = f"""Targets (issue 8, national scale on a 2-core machine):
  pages and API: p95 <= {PAGE_P95_MS} ms (SQLite --small: pages p95 <= {SQLITE_PAGE_P95_MS} ms)
  pages: throughput >= 1/4 of /healthz in the same run
  KPI dashboard for a unit over a year: p95 <= {UNIT_DASHBOARD_P95_MS} ms; for the whole country: p95 <= \
{COUNTRY_DASHBOARD_P95_MS} ms
  anonymous self-test burst: >= {SELFTEST_MIN_RPS} requests/s with p95 <= {SELFTEST_P95_MS} ms
  memory per gunicorn worker: <= {WORKER_MAX_MB} MB RSS"""


def judge(kind: str, rps: float | None, p95_ms: float | None, ratio: float | None, sqlite: bool) -> dict:
    """The scenario's target in words, whether it is met, and what misses."""
    checks: list[tuple[str, bool]] = []
    page_ms = SQLITE_PAGE_P95_MS if sqlite else PAGE_P95_MS
    if kind in ("page", "api"):
        checks.append((f"p95<={page_ms}ms", p95_ms is not None and p95_ms <= page_ms))
    if kind == "page":
        checks.append(("≥¼ healthz", ratio is not None and ratio >= PAGE_MIN_RATIO))
    if kind == "dashboard_unit":
        checks.append((f"p95<={UNIT_DASHBOARD_P95_MS}ms", p95_ms is not None and p95_ms <= UNIT_DASHBOARD_P95_MS))
    if kind == "dashboard_country":
        checks.append((f"p95<={COUNTRY_DASHBOARD_P95_MS}ms", p95_ms is not None and p95_ms <= COUNTRY_DASHBOARD_P95_MS))
    if kind == "selftest":
        checks.append((f"≥{SELFTEST_MIN_RPS}/s", rps is not None and rps >= SELFTEST_MIN_RPS))
        checks.append((f"p95<={SELFTEST_P95_MS}ms", p95_ms is not None and p95_ms <= SELFTEST_P95_MS))
    if not checks:
        return {"target": "baseline", "met": None, "missed": []}
    return {
        "target": ", ".join(text for text, _ok in checks),
        "met": all(ok for _text, ok in checks),
        "missed": [text for text, ok in checks if not ok],
    }


# --- Small helpers -------------------------------------------------------------------------------------------


class BenchError(Exception):
    """Something the person running the bench must fix; printed without a traceback."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def lua_literal(value) -> str:
    """A Python value (str, int, float, bool, None, list, dict) as a Lua literal."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        out = []
        for char in value:
            if char in '\\"':
                out.append("\\" + char)
            elif char == "\n":
                out.append("\\n")
            elif ord(char) < 32 or ord(char) == 127:
                out.append(f"\\{ord(char):03d}")
            else:
                out.append(char)
        return '"' + "".join(out) + '"'
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua_literal(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua_literal(str(k))}] = {lua_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Lua literal for {type(value).__name__}")


def load_average() -> float | None:
    """The 1-minute load average: other work on the machine skews every figure, so it is recorded."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def year_period(today: date | None = None) -> tuple[str, str]:
    """The last twelve whole months (what the statistics pages show by default), as YYYY-MM."""
    today = today or date.today()
    end = today.replace(day=1) - timedelta(days=1)
    start_year, start_month = (end.year, end.month - 11) if end.month == 12 else (end.year - 1, end.month + 1)
    return f"{start_year:04d}-{start_month:02d}", f"{end:%Y-%m}"


# --- HTML forms ----------------------------------------------------------------------------------------------


class FormParser(html.parser.HTMLParser):
    """Every <form> of a page with its fields: inputs, radio groups, checkboxes, selects and textareas."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": {}}
            self.forms.append(self._form)
            return
        if self._form is None or (not a.get("name") and tag != "option"):
            return
        fields = self._form["fields"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            name = a["name"]
            if kind == "radio":
                fields.setdefault(name, {"kind": "radio", "values": []})["values"].append(a.get("value", "on"))
            elif kind == "checkbox":
                fields[name] = {"kind": "checkbox", "value": a.get("value", "on")}
            elif kind not in ("submit", "button", "image", "reset", "file"):
                fields[name] = {"kind": kind, "value": a.get("value", "")}
        elif tag == "textarea":
            fields[a["name"]] = {"kind": "textarea"}
        elif tag == "select":
            self._select = a["name"]
            fields[self._select] = {"kind": "select", "values": []}
        elif tag == "option" and self._select:
            fields[self._select]["values"].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def find_form(page: str, field_name: str) -> dict | None:
    """The first POST form on the page that has a field named `field_name` (or starting with it, ending '*')."""
    parser = FormParser()
    parser.feed(page)
    for form in parser.forms:
        if form["method"] != "post":
            continue
        names = form["fields"]
        if field_name.endswith("*"):
            if any(n.startswith(field_name[:-1]) for n in names):
                return form
        elif field_name in names:
            return form
    return None


SUBMISSION_FIELD = "submission_token"


def body_fields(form: dict) -> list[dict]:
    """The form's fields as bench/scenario.lua body generators: hidden values fixed, choices at random."""
    out = []
    for name, spec in form["fields"].items():
        kind = spec["kind"]
        if name == SUBMISSION_FIELD:
            # A one-time token per submission (kindred/security.py): each request is a new submission, not a repeat.
            out.append({"name": name, "kind": "unique"})
        elif kind in ("radio", "select"):
            out.append({"name": name, "kind": "choice", "values": spec["values"]})
        elif kind == "checkbox":
            out.append({"name": name, "kind": "optional", "value": spec["value"]})
        elif kind == "textarea":
            out.append({"name": name, "kind": "text"})
        elif spec.get("value"):
            out.append({"name": name, "kind": "fixed", "value": spec["value"]})
    return out


def pages_in(page: str) -> int:
    """The number of pages a paginated list says it has ("Page 1 of 12" in any language), 1 if none."""
    match = re.search(r'<nav aria-label="[^"]*" class="k-row">.*?<span>[^<]*?\d+\D+?(\d+)\s*</span>', page, re.S)
    return int(match.group(1)) if match else 1


# --- HTTP client (logins, scraping, preflight) ---------------------------------------------------------------


class Client:
    """A tiny browser over http.client: keeps cookies (Secure ones too: the proxy would add the TLS)."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def headers(self, extra: dict | None = None, *, post_path: str | None = None) -> dict:
        h = {"X-Forwarded-Proto": "https", "Accept-Language": "nb"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if post_path is not None:
            h["Origin"] = self.origin
            h["Referer"] = self.origin + post_path
        h.update(extra or {})
        return h

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        body = None
        h = self.headers(headers, post_path=path if method == "POST" else None)
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=h)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            elapsed = time.perf_counter() - started
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or (morsel.value == "" and morsel["expires"]):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, text, elapsed

    def get(self, path: str, headers: dict | None = None):
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict, headers: dict | None = None):
        return self.request("POST", path, data=data, headers=headers)


def login(port: int, email: str, password: str) -> Client:
    client = Client(port)
    status, _h, page, _t = client.get("/login/")
    form = find_form(page, "email") if status == 200 else None
    if form is None:
        raise BenchError(f"GET /login/ answered {status} without a login form")
    data = {name: spec.get("value", "") for name, spec in form["fields"].items() if spec["kind"] == "hidden"}
    data.update(email=email, password=password)
    status, headers, _page, _t = client.post("/login/", data)
    location = headers.get("Location", "")
    if status != 302 or "sessionid" not in client.cookies:
        raise BenchError(f"login as {email} failed (status {status}); is the data built with these personas?")
    if "verify" in location:
        raise BenchError(f"{email} has two-factor login; the bench personas must not")
    return client


# --- Data: database, migrate, scale_data / demo_data, prepare ------------------------------------------------


def manage(args: list[str], env: dict, *, capture: bool = False) -> str:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    if not capture:
        log("$ manage.py " + " ".join(args))
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=capture, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or "")[-3000:] if capture else ""
        raise BenchError(f"manage.py {' '.join(args)} failed ({result.returncode}) {detail}")
    return result.stdout or ""


def helper(command: str, personas: dict, env: dict) -> dict:
    script = [sys.executable, str(BENCH / "prepare.py"), command, "--personas", json.dumps(personas)]
    result = subprocess.run(script, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BenchError(f"bench/prepare.py {command} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def ensure_postgres_database(base_url: str, name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise BenchError(f"database name {name!r}: use lower-case letters, digits and _")
    if name.startswith("test"):
        raise BenchError("test* databases belong to test runs; choose another --database")
    import psycopg

    base = base_url.rstrip("/")
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                log(f"creating PostgreSQL database {name}")
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        raise BenchError(f"cannot reach PostgreSQL at {base}: {error}") from None
    return f"{base}/{name}"


def scale_args(size: str, seed: int | None) -> list[str]:
    args = ["scale_data"]
    if size == "small":
        args.append("--small")
    elif size != "national":
        args += ["--persons", str(int(size))]
    if seed is not None:
        args += ["--seed", str(seed)]
    return args


def marker_path(database_url: str) -> Path:
    """Where bench/run.py notes a finished data build for this database (bench/data/ is not committed)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", database_url.split("://", 1)[-1]).strip("_")
    return BENCH / "data" / f"built-{name}.json"


def build_data(opts, personas: dict, env: dict) -> dict:
    """Migrate, then build the data only when the persona users are missing (or --rebuild)."""
    users = personas["users"]
    marker = marker_path(env["DATABASE_URL"])
    required = {role: users[role] for role in REQUIRED_ROLES if role in users}
    manage(["migrate", "--noinput", "-v", "0"], env)
    state = helper("status", required, env)
    built = False
    if state["missing"] or opts.rebuild:
        marker.unlink(missing_ok=True)  # until this build finishes
        if personas["build"] == "scale":
            if not (ROOT / "kindred" / "scale" / "management" / "commands" / "scale_data.py").exists():
                raise BenchError("manage.py scale_data is not there yet (kindred/scale); try --personas demo")
            args = scale_args(opts.size, opts.seed)
            if opts.rebuild:
                args.append("--reset")
            log(f"building the {opts.size} data set (persona users missing: {', '.join(state['missing']) or '-'})")
            manage(args, env)
        else:
            if opts.rebuild:
                manage(["flush", "--noinput"], env)
            manage(["demo_data"], env)
        built = True
        state = helper("status", required, env)
        if state["missing"]:
            raise BenchError(f"after building the data these personas are still missing: {state['missing']}")
        marker.parent.mkdir(parents=True, exist_ok=True)
        build = {"personas": opts.personas, "size": opts.size, "seed": opts.seed, "at": datetime.now(UTC).isoformat()}
        marker.write_text(json.dumps(build) + "\n")
    else:
        log("reusing the existing data (the persona users exist; --rebuild builds it again)")
        if not marker.exists():
            log(
                f"note: no finished build by bench/run.py is recorded ({marker.relative_to(ROOT)}); if a build was "
                "interrupted the data may be partial: --rebuild"
            )
    previous = json.loads(marker.read_text()) if marker.exists() else None
    if previous and not built and previous.get("size") != opts.size:
        log(f"note: the data was built with --size {previous.get('size')}, not {opts.size} (--rebuild to change)")
    return {"built": built, "build": previous}


# --- The server ----------------------------------------------------------------------------------------------


class Server:
    """Kindred under gunicorn with production settings on 127.0.0.1; a context manager that always stops it."""

    def __init__(self, env: dict, workers: int, timeout: int, threads: int = 1):
        self.env = env
        self.workers = workers
        self.threads = threads
        self.timeout = timeout
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.tmp = Path(tempfile.mkdtemp(prefix="kindred-bench-"))
        self.log_path = self.tmp / "gunicorn.log"

    def __enter__(self) -> Server:
        self.env["STATIC_ROOT"] = str(self.tmp / "static")
        manage(["collectstatic", "--noinput", "-v", "0"], self.env)
        command = [
            sys.executable, "-m", "gunicorn", "kindred.wsgi:application",
            "--workers", str(self.workers),
            "--bind", f"127.0.0.1:{self.port}",
            "--timeout", str(self.timeout),
            "--error-logfile", str(self.log_path),
            "--log-level", "warning",
        ]  # fmt: skip
        if self.threads > 1:
            # Threads per worker (gunicorn's gthread worker): connections are kept alive between requests.
            command += ["--worker-class", "gthread", "--threads", str(self.threads)]
        log(f"starting gunicorn ({self.workers} workers) on 127.0.0.1:{self.port}")
        with open(self.log_path, "ab") as errors:
            self.process = subprocess.Popen(  # noqa: S603
                command, cwd=ROOT, env=self.env, stdout=errors, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_healthy()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def wait_healthy(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                status, _h, _b, _t = Client(self.port).get("/healthz")
                if status == 200:
                    return
            time.sleep(0.25)
        raise BenchError(f"/healthz did not answer 200 within {seconds:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        log("stopping gunicorn")
        self.process.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def worker_memory(self) -> list[dict]:
        out = []
        for pid in self.worker_pids():
            status = {}
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    key, _sep, value = line.partition(":")
                    status[key] = value.strip()
            rss = int(status.get("VmRSS", "0 kB").split()[0]) / 1024
            peak = int(status.get("VmHWM", "0 kB").split()[0]) / 1024
            out.append({"pid": pid, "rss_mb": round(rss, 1), "peak_rss_mb": round(peak, 1)})
        return out

    def busy_connections(self) -> int:
        """Accepted or queued connections to the server still open (ESTABLISHED or CLOSE_WAIT)."""
        local = f":{self.port:04X}"
        count = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError):
                for line in Path(table).read_text().splitlines()[1:]:
                    parts = line.split()
                    if parts[1].endswith(local) and parts[3] in ("01", "08"):
                        count += 1
        return count

    def drain(self, seconds: float = 600) -> float:
        """Wait until requests left over from a load run are done (wrk stops mid-flight); the seconds waited."""
        started = time.monotonic()
        while self.busy_connections() and time.monotonic() - started < seconds:
            time.sleep(0.2)
        return time.monotonic() - started


# --- Scenarios -----------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    title: str
    kind: str  # baseline, page, api, dashboard_unit, dashboard_country, selftest
    persona: str | None = None
    method: str = "GET"
    targets: list[str] = field(default_factory=list)
    headers: dict = field(default_factory=dict)
    fields: list[dict] | None = None
    expect: list[int] = field(default_factory=lambda: [200])
    location: str | None = None
    connections: int = 0
    optional: bool = False  # a 404 at the preflight means the feature is not there yet: skipped
    skipped: str = ""
    result: dict = field(default_factory=dict)


def browser_headers(client: Client) -> dict:
    h = client.headers()
    h.pop("Accept-Language", None)
    return {**h, "Accept-Language": "nb", "Accept": "text/html"}


def build_scenarios(opts, port: int, clients: dict[str, Client], info: dict) -> list[Scenario]:
    caseload = info.get("caseload") or {}
    tokens = info.get("tokens") or {}
    first, last = year_period()
    period = f"from_month={first}&to_month={last}"
    scenarios = [Scenario("healthz", "Trivial endpoint /healthz", "baseline", targets=["/healthz"])]

    def session(role: str, scenario: Scenario) -> Scenario:
        client = clients.get(role)
        if client is None:
            scenario.skipped = f"skipped: persona {role} not available"
        else:
            scenario.headers = browser_headers(client)
        return scenario

    query = opts.children_query
    children_first = session(
        "barneansvarlig",
        Scenario("children_first", f"Children in the unit, page 1 (?{query})", "page", "barneansvarlig"),
    )
    children_first.targets = [f"/care/children/?{query}"]
    children_deep = session(
        "barneansvarlig", Scenario("children_deep", "Children in the unit, last page", "page", "barneansvarlig")
    )
    if "barneansvarlig" in clients:
        status, _h, page, _t = clients["barneansvarlig"].get(f"/care/children/?{query}")
        deepest = pages_in(page) if status == 200 else 1
        children_deep.title = f"Children in the unit, page {deepest} (last, ?{query})"
        children_deep.targets = [f"/care/children/?{query}&page={deepest}"]
    scenarios += [children_first, children_deep]

    names = caseload.get("search_names" if opts.search_family_only else "search_full_names") or []
    ids = caseload.get("search_ids") or []
    for key, title, terms in (
        ("search_name", "Person search by name", names),
        ("search_id", "Person search by national id", ids),
    ):
        s = session("clinician", Scenario(key, title, "page", "clinician", optional=True))
        s.targets = [f"/people/search/?{urllib.parse.urlencode({'q': t})}" for t in terms]
        if not terms and not s.skipped:
            s.skipped = "skipped: no patients with names/ids in the clinician's caseload"
        scenarios.append(s)

    family = session("clinician", Scenario("family", "A patient's family page", "page", "clinician"))
    family.targets = [f"/people/{pk}/" for pk in caseload.get("family_ids") or []]
    if not family.targets and not family.skipped:
        family.skipped = "skipped: the clinician's caseload has no patients with children"
    scenarios.append(family)

    sheet = session("clinician", Scenario("sheet_save", "Save a child sheet (POST)", "page", "clinician", "POST"))
    sheet.expect, sheet.location = [302], "/care/episodes/"
    if not sheet.skipped:
        sheet.targets, sheet.fields = sheet_targets(clients["clinician"], caseload.get("sheet_targets") or [])
        if not sheet.targets:
            sheet.skipped = "skipped: no child sheet form in the clinician's caseload"
        else:
            sheet.headers.update(Origin=clients["clinician"].origin, Referer=clients["clinician"].origin + "/")
    scenarios.append(sheet)

    country = (info["personas"].get("senter") or {}).get("country", "NO")
    unit = session(
        "analytiker", Scenario("dashboard_unit", "KPI dashboard, the unit, 12 months", "dashboard_unit", "analytiker")
    )
    unit.targets = [f"/statistics/?{period}"]
    whole = session(
        "senter",
        Scenario("dashboard_country", f"KPI dashboard, country {country}, 12 months", "dashboard_country", "senter"),
    )
    whole.targets = [f"/statistics/?scope=country:{country}&{period}"]
    youth = session("senter", Scenario("youth", f"Young people's report, country {country}", "page", "senter"))
    youth.targets = [f"/statistics/young-people/?scope=country:{country}&{period}"]
    scenarios += [unit, whole, youth]

    scenarios.append(selftest_scenario(port, opts))

    api_list = Scenario("api_list", "API list GET /api/v1/persons", "api", "barneansvarlig")
    fhir = Scenario("fhir", "FHIR read GET /fhir/r4/Patient/{id}", "api", "clinician")
    for scenario, targets in (
        (api_list, [f"/api/v1/persons?limit={opts.api_limit}"]),
        (fhir, [f"/fhir/r4/Patient/{pk}" for pk in caseload.get("family_ids") or []]),
    ):
        token = tokens.get(scenario.persona)
        scenario.targets = targets
        scenario.headers = {
            "Authorization": f"Bearer {token}",
            "X-Forwarded-Proto": "https",
            "Accept": "application/json",
        }
        if not token:
            scenario.skipped = f"skipped: no API token for {scenario.persona}"
        elif not targets:
            scenario.skipped = "skipped: no patient in the clinician's caseload"
    scenarios += [api_list, fhir]

    for scenario in scenarios:
        scenario.connections = opts.burst_connections if scenario.kind == "selftest" else opts.connections
    if opts.only:
        wanted = set(opts.only.split(","))
        scenarios = [s for s in scenarios if s.key in wanted or s.key == "healthz"]
    return scenarios


def sheet_targets(client: Client, pairs: list) -> tuple[list[str], list[dict] | None]:
    """The child-sheet URLs whose form has the same questions as the first one, and that form's fields."""
    targets, fields, names = [], None, None
    for episode, child in pairs:
        path = f"/care/episodes/{episode}/children/{child}/sheet/"
        status, _h, page, _t = client.get(path)
        form = find_form(page, "concern_level") if status == 200 else None
        if form is None:
            continue
        if names is None:
            names, fields = sorted(form["fields"]), body_fields(form)
        if sorted(form["fields"]) == names:
            targets.append(path)
    return targets, fields


def selftest_scenario(port: int, opts) -> Scenario:
    scenario = Scenario("selftest", f"Anonymous self-test {opts.selftest} (POST, burst)", "selftest", method="POST")
    client = Client(port)
    path = f"/self-test/{opts.selftest}/"
    status, _h, page, _t = client.get(path)
    form = find_form(page, "item-*") if status == 200 else None
    if form is None:
        scenario.skipped = f"skipped: GET {path} answered {status} without the self-test form"
        return scenario
    scenario.targets, scenario.fields = [path], body_fields(form)
    scenario.headers = {**client.headers(post_path=path), "Accept": "text/html"}
    return scenario


def preflight(scenario: Scenario, port: int) -> None:
    """One request outside the load run: checks the status and notes its latency (the slow pages' only figure
    when no request completes within the run)."""
    headers = dict(scenario.headers)
    path = scenario.targets[0]
    data = None
    if scenario.method == "POST":
        data = {}
        for f in scenario.fields or []:
            if f["kind"] == "fixed":
                data[f["name"]] = f["value"]
            elif f["kind"] == "choice":
                data[f["name"]] = f["values"][-1]
            elif f["kind"] == "text":
                data[f["name"]] = "bench"
            elif f["kind"] == "unique":
                data[f["name"]] = secrets.token_urlsafe(24)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    body = urllib.parse.urlencode(data) if data is not None else None
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    try:
        conn.request(scenario.method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    scenario.result["preflight"] = {"status": response.status, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if response.status == 404 and scenario.optional:
        scenario.skipped = "skipped: not available (404)"
    elif response.status not in scenario.expect:
        scenario.result["preflight"]["unexpected"] = True
        log(f"  {scenario.key}: preflight {scenario.method} {path} answered {response.status}")


def run_wrk(scenario: Scenario, port: int, seconds: float, threads: int, workdir: Path) -> dict:
    config = {
        "method": scenario.method,
        "targets": scenario.targets,
        "headers": scenario.headers,
        "fields": scenario.fields,
        "expect": scenario.expect,
        "location": scenario.location,
    }
    path = workdir / f"{scenario.key}.lua"
    path.write_text("return " + lua_literal(config) + "\n", encoding="utf-8")
    connections = scenario.connections
    command = [
        "wrk", f"-t{max(1, min(threads, connections))}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--timeout", "120s", "-s", str(LUA_SCRIPT), f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    env = {**os.environ, "BENCH_CONFIG": str(path)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 300, check=False)  # noqa: S603
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT ") :])
    raise BenchError(f"wrk gave no result for {scenario.key} ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def summarise(raw: dict, connections: int) -> dict:
    seconds = raw["duration_us"] / 1e6 if raw["duration_us"] else 0
    requests = raw["requests"]
    lat = raw["latency_us"]
    done = requests > 0
    statuses = {int(k): v for k, v in raw["statuses"].items()}
    errors = raw["errors"]
    return {
        "requests": requests,
        "seconds": round(seconds, 2),
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": round(lat["p50"] / 1000, 1) if done else None,
        "p90_ms": round(lat["p90"] / 1000, 1) if done else None,
        "p95_ms": round(lat["p95"] / 1000, 1) if done else None,
        "p99_ms": round(lat["p99"] / 1000, 1) if done else None,
        "mean_ms": round(lat["mean"] / 1000, 1) if done else None,
        "max_ms": round(lat["max"] / 1000, 1) if done else None,
        "statuses": statuses,
        "non_2xx": sum(n for code, n in statuses.items() if not 200 <= code < 300),
        "unexpected": raw["unexpected"],
        "socket_errors": {k: v for k, v in errors.items() if k != "status" and v},
        "connections": connections,
    }


# --- Reporting -----------------------------------------------------------------------------------------------


def machine(info: dict, opts) -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace") if Path("/proc/cpuinfo").exists() else ""
    models = sorted({line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")})
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    try:
        wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S607
        wrk_version = wrk_version.splitlines()[0] if wrk_version else ""
    except OSError:
        wrk_version = ""

    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return ""

    return {
        "cpu_model": ", ".join(models) or platform.processor(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_mb": round(int(mem.group(1)) / 1024) if mem else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": version("Django"),
        "gunicorn": version("gunicorn"),
        "psycopg": version("psycopg"),
        "wrk": wrk_version,
        "database": info.get("database", {}).get("version", ""),
        "git_commit": git_commit(),
    }


def git_commit() -> str:
    """The checked-out commit, read from .git without running git."""
    git = ROOT / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        if (git / ref).exists():
            return (git / ref).read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        pass
    return ""


def fmt(value, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


def print_table(scenarios: list[Scenario], memory: list[dict]) -> None:
    header = (
        f"{'scenario':<18} {'conn':>4} {'req/s':>8} {'p50':>8} {'p95':>8} {'p99':>8}  {'target':<26} {'result':<34} "
    )
    header += f"{'×healthz':>8} {'non-2xx':>7} {'bad':>5} {'load':>5} {'first':>7}"
    print()
    print(header)
    print("-" * len(header))
    for s in scenarios:
        r = s.result
        if s.skipped:
            print(f"{s.key:<18} {s.skipped}")
            continue
        verdict = r["judgement"]
        if verdict["met"] is None:
            text = "(baseline)"
        elif verdict["met"]:
            text = "met"
        else:
            text = "NOT MET: " + ", ".join(verdict["missed"])
        if not r["requests"]:
            text = f"NOT MET: none done in {r['seconds']:g}s (alone: {r['preflight']['ms']:.0f} ms)"
        if r.get("unexpected"):
            text += " (errors!)"
        ratio = fmt(r.get("ratio"), 2) if r.get("ratio") is not None else "-"
        figures = " ".join(f"{fmt(r[k], 1):>8}" for k in ("rps", "p50_ms", "p95_ms", "p99_ms"))
        print(
            f"{s.key:<18} {r['connections']:>4} {figures}  {verdict['target']:<26} {text:<34} {ratio:>8} "
            f"{r['non_2xx']:>7} {r['unexpected']:>5} {fmt(r.get('load_before'), 1):>5} "
            f"{fmt(r['preflight']['ms'], 0):>7}"
        )
    print(
        "(latencies in ms; ×healthz = throughput ÷ /healthz's; bad = status other than expected (302 for POSTs); "
        "load = 1-minute load average before the scenario; first = the first request alone, before the load, with "
        "an empty cache: a dashboard's cold figure)"
    )
    for worker in memory:
        ok = "met" if worker["rss_mb"] <= WORKER_MAX_MB and worker["peak_rss_mb"] <= WORKER_MAX_MB else "NOT MET"
        print(
            f"worker {worker['pid']}: RSS {worker['rss_mb']:.0f} MB, peak {worker['peak_rss_mb']:.0f} MB "
            f"(target <= {WORKER_MAX_MB} MB: {ok})"
        )


# --- Main ----------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_argument_group("data")
    where.add_argument("--database", default="kindred_bench", help="PostgreSQL database (created if missing)")
    where.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL, no db")
    where.add_argument(
        "--sqlite",
        nargs="?",
        const=str(DEFAULT_SQLITE),
        default=None,
        metavar="FILE",
        help=f"use an SQLite file instead (default {DEFAULT_SQLITE.relative_to(ROOT)}), --small size",
    )
    where.add_argument(
        "--size", default=None, help="small | national | <number of persons> (default national; small with --sqlite)"
    )
    where.add_argument("--seed", type=int, default=None, help="seed for scale_data")
    where.add_argument(
        "--pg-options",
        default="",
        help='PostgreSQL session settings for the server, e.g. "-c jit=off" (added to its DATABASE_URL)',
    )
    where.add_argument("--rebuild", action="store_true", help="build the data again (scale_data --reset)")
    where.add_argument("--build-only", action="store_true", help="build or check the data, then stop")
    where.add_argument(
        "--personas",
        default="bench",
        help="bench (scale_data's users), demo (demo_data's users) or a JSON file "
        '{"password": …, "build": "scale"|"demo", "users": {"clinician": e-mail, …}}',
    )
    load = parser.add_argument_group("load")
    load.add_argument("--duration", type=float, default=15, help="seconds per scenario (default 15)")
    load.add_argument("--warmup", type=float, default=2, help="seconds of unmeasured load first (default 2)")
    load.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    load.add_argument("--burst-connections", type=int, default=32, help="self-test burst connections (default 32)")
    load.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    load.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    load.add_argument(
        "--worker-threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (default 1: sync workers; more: gthread with keep-alive)",
    )
    load.add_argument("--worker-timeout", type=int, default=120, help="gunicorn worker timeout, s (default 120)")
    load.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="DB_CONN_MAX_AGE for the server: persistent database connections (default 60; 0 = off)",
    )
    load.add_argument("--only", default="", help="comma-separated scenario keys (healthz always runs)")
    load.add_argument(
        "--children-query",
        default="state=not_informed&order=concern",
        help="filter and sort of the children overview (default state=not_informed&order=concern)",
    )
    load.add_argument(
        "--search-family-only", action="store_true", help="search by family name only (default: 'given family')"
    )
    load.add_argument("--selftest", default="audit", help="self-test key (default audit)")
    load.add_argument("--api-limit", type=int, default=50, help="page size of the API list (default 50)")
    out = parser.add_argument_group("output")
    out.add_argument("--output", default=str(RESULTS), help="folder for the JSON results (default bench/results)")
    out.add_argument("--label", default="", help="a note stored with the results (e.g. 'before indexes')")
    opts = parser.parse_args(argv)
    if opts.size is None:
        opts.size = "small" if opts.sqlite else "national"
    if opts.size not in ("small", "national") and not opts.size.isdigit():
        parser.error("--size is small, national or a number of persons")
    return opts


def setup_environment(database_url: str) -> dict:
    """The environment of the set-up commands (migrate, data builds): development settings on this database."""
    env = {k: v for k, v in os.environ.items() if k not in ("KINDRED_PRODUCTION", "DEBUG", "STATIC_ROOT")}
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="kindred.settings")
    return env


def flush_cache(url: str) -> None:
    """Empty the server's cache first, so each dashboard's preflight is the cold figure (computed, not cached)."""
    import redis

    try:
        redis.Redis.from_url(url).flushdb()
    except redis.RedisError as error:
        raise BenchError(f"Redis at {url} is not reachable ({error}); set BENCH_REDIS_URL") from error


def server_environment(setup_env: dict, database_url: str, conn_max_age: int) -> dict:
    """The environment of the server: production settings, a fresh secret key, behind a TLS proxy."""
    return {
        **setup_env,
        "DATABASE_URL": database_url,
        "KINDRED_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "BEHIND_PROXY": "1",
        "DB_CONN_MAX_AGE": str(conn_max_age),
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # Production keeps its cache (statistics, rate limits, lockouts) in Redis, shared by the workers.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
        # The load comes from one address and a few tokens: the rate limits (tested in kindred/tests) would
        # measure the limiter, not Kindred, so they are opened wide here.
        "SELF_TEST_RATE": "1000000/m",
        "SELF_REFERRAL_RATE": "1000000/m",
        "LOGIN_RATE": "1000000/m",
        "API_RATE": "1000000/m",
        "API_IP_RATE": "1000000/m",
    }


def load_personas(value: str) -> dict:
    if value in PERSONA_SETS:
        return PERSONA_SETS[value]
    path = Path(value)
    if not path.exists():
        raise BenchError(f"--personas {value}: neither bench, demo nor a file")
    data = json.loads(path.read_text())
    data.setdefault("build", "scale")
    return data


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed: sudo apt-get install -y wrk")
    personas = load_personas(opts.personas)
    if opts.sqlite:
        sqlite_path = Path(opts.sqlite).resolve()
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{sqlite_path}"
    else:
        database_url = ensure_postgres_database(opts.pg, opts.database)
    setup_env = setup_environment(database_url)
    started = datetime.now(UTC)
    load_at_start = load_average()
    if load_at_start is not None and load_at_start > 0.5:
        log(f"note: the machine is busy before the run (load average {load_at_start}); the figures suffer")
    log(f"database {database_url} ({opts.size} size, personas {opts.personas})")
    build = build_data(opts, personas, setup_env)
    if opts.build_only:
        log("data ready (--build-only)")
        return 0
    info = helper("prepare", personas["users"], setup_env)
    log(f"data: {info['counts']}")

    server_url = database_url
    if opts.pg_options and not opts.sqlite:
        server_url += "?" + urllib.parse.urlencode({"options": opts.pg_options}, quote_via=urllib.parse.quote)
    server_env = server_environment(setup_env, server_url, opts.conn_max_age)
    flush_cache(server_env["REDIS_URL"])
    workdir = Path(tempfile.mkdtemp(prefix="kindred-bench-wrk-"))
    scenarios: list[Scenario] = []
    memory: list[dict] = []
    memory_at_start: list[dict] = []
    memory_after_login: list[dict] = []
    try:
        with Server(server_env, opts.workers, opts.worker_timeout, opts.worker_threads) as server:
            memory_at_start = server.worker_memory()
            clients = {}
            for role in ("clinician", "barneansvarlig", "analytiker", "senter"):
                email = personas["users"].get(role)
                if email and info["personas"].get(role):
                    clients[role] = login(server.port, email, personas["password"])
            log(f"logged in as {', '.join(clients)}")
            memory_after_login = server.worker_memory()
            scenarios = build_scenarios(opts, server.port, clients, info)
            for scenario in scenarios:
                if not scenario.skipped:
                    preflight(scenario, server.port)
            baseline = None
            for scenario in scenarios:
                if scenario.skipped:
                    log(f"{scenario.key}: {scenario.skipped}")
                    continue
                log(f"{scenario.key}: {scenario.title} — {scenario.connections} connections, {opts.duration:g} s")
                # A page slower than the warm-up is warm after its preflight; warming it would only queue requests.
                if opts.warmup > 0 and scenario.result["preflight"]["ms"] < opts.warmup * 1000:
                    run_wrk(scenario, server.port, opts.warmup, opts.threads, workdir)
                    server.drain()
                scenario.result["load_before"] = load_average()
                raw = run_wrk(scenario, server.port, opts.duration, opts.threads, workdir)
                drained = server.drain()
                scenario.result.update(summarise(raw, scenario.connections))
                scenario.result["drain_s"] = round(drained, 1)
                if scenario.kind == "baseline":
                    baseline = scenario.result["rps"]
                ratio = scenario.result["rps"] / baseline if baseline else None
                scenario.result["ratio"] = round(ratio, 3) if ratio is not None else None
                scenario.result["judgement"] = judge(
                    scenario.kind, scenario.result["rps"], scenario.result["p95_ms"], ratio, bool(opts.sqlite)
                )
            memory = server.worker_memory()
            gunicorn_log = server.log_tail(200)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(TARGETS_TEXT)
    print_table(scenarios, memory)
    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": opts.label,
        "machine": {
            **machine(info, opts),
            "load_average_at_start": load_at_start,
            "load_average_at_end": load_average(),
        },
        "data": {
            "database": "sqlite" if opts.sqlite else "postgresql",
            "database_url": database_url,
            "size": opts.size,
            "built_now": build["built"],
            "build": build["build"],
            "personas": opts.personas,
            "counts": info.get("counts"),
            "persona_organisations": info.get("personas"),
        },
        "settings": {
            "duration_s": opts.duration,
            "warmup_s": opts.warmup,
            "connections": opts.connections,
            "burst_connections": opts.burst_connections,
            "wrk_threads": opts.threads,
            "gunicorn_workers": opts.workers,
            "db_conn_max_age": opts.conn_max_age,
            "pg_options": opts.pg_options,
            "children_query": opts.children_query,
        },
        "targets": {
            "page_p95_ms": SQLITE_PAGE_P95_MS if opts.sqlite else PAGE_P95_MS,
            "api_p95_ms": SQLITE_PAGE_P95_MS if opts.sqlite else PAGE_P95_MS,
            "page_min_ratio": PAGE_MIN_RATIO,
            "unit_dashboard_p95_ms": UNIT_DASHBOARD_P95_MS,
            "country_dashboard_p95_ms": COUNTRY_DASHBOARD_P95_MS,
            "selftest_min_rps": SELFTEST_MIN_RPS,
            "selftest_p95_ms": SELFTEST_P95_MS,
            "worker_max_mb": WORKER_MAX_MB,
        },
        "scenarios": [
            {
                "key": s.key,
                "title": s.title,
                "kind": s.kind,
                "persona": s.persona,
                "method": s.method,
                "paths": s.targets[:3] + (["…"] if len(s.targets) > 3 else []),
                "distinct_targets": len(s.targets),
                "skipped": s.skipped,
                **s.result,
            }
            for s in scenarios
        ],
        "workers": memory,
        "workers_at_start": memory_at_start,
        "workers_after_login": memory_after_login,
        "workers_met": all(w["peak_rss_mb"] <= WORKER_MAX_MB for w in memory) if memory else None,
    }
    if "Traceback" in gunicorn_log or "[ERROR]" in gunicorn_log:
        report["server_errors"] = gunicorn_log[-5000:]
        print("\nThe server logged errors (see server_errors in the JSON):\n" + gunicorn_log[-2000:])
    out_dir = Path(opts.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    out_path = out_dir / f"{started:%Y%m%dT%H%M%SZ}.json"
    out_path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"\nResults: {out_path}")
    failed = [s.key for s in scenarios if s.result.get("unexpected")]
    if failed:
        print(f"Scenarios with unexpected responses: {', '.join(failed)}")
    return 0


def _terminate(signum, _frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("bench: interrupted; the server is stopped", file=sys.stderr)
        sys.exit(130)
