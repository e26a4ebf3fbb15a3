"""Smoke test of the benchmark runner (not collected by `make test`: pytest's testpaths is kindred/).

    .venv/bin/python -m pytest bench/test_bench_smoke.py

The helper tests take milliseconds. The end-to-end test builds the demo data in a temporary SQLite file,
starts gunicorn with production settings, logs in, runs every scenario for one second with wrk and checks
the JSON it writes (about a minute; skipped when wrk is not installed).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402


def test_lua_literal_escapes_strings_and_nests():
    assert run.lua_literal({"a": [1, 'x"y\\z\n'], "b": None, "c": True}) == (
        '{["a"] = {1, "x\\"y\\\\z\\n"}, ["b"] = nil, ["c"] = true}'
    )
    assert run.lua_literal("æ\x01") == '"æ\\001"'


def test_find_form_and_body_fields():
    page = """
    <form method="post" action="/i18n/setlang/"><input type="hidden" name="csrfmiddlewaretoken" value="t">
      <select name="language"><option value="nb">nb</option></select></form>
    <form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="t2">
      <input type="radio" name="item-q1" value="0"><input type="radio" name="item-q1" value="4">
      <input type="checkbox" name="keep"><textarea name="q_a1"></textarea>
      <select name="concern_level"><option value="none">-</option><option value="some" selected>+</option></select>
      <button type="submit">Send</button></form>"""
    form = run.find_form(page, "item-*")
    assert form is not None
    fields = {f["name"]: f for f in run.body_fields(form)}
    assert fields["csrfmiddlewaretoken"] == {"name": "csrfmiddlewaretoken", "kind": "fixed", "value": "t2"}
    assert fields["item-q1"]["values"] == ["0", "4"]
    assert fields["keep"]["kind"] == "optional"
    assert fields["q_a1"]["kind"] == "text"
    assert fields["concern_level"]["values"] == ["none", "some"]
    assert run.find_form(page, "concern_level") == form
    assert run.find_form(page, "missing") is None


def test_pages_in_reads_the_pagination_in_any_language():
    nav = '<nav aria-label="Sider" class="k-row">\n  <span>Side 1 av 37</span>\n  <a href="?page=2">Neste</a></nav>'
    assert run.pages_in(nav) == 37
    assert run.pages_in("<p>no pages</p>") == 1


def test_year_period_is_the_last_twelve_whole_months():
    assert run.year_period(date(2026, 11, 30)) == ("2025-11", "2026-10")
    assert run.year_period(date(2026, 1, 5)) == ("2025-01", "2025-12")


def test_judge_targets():
    assert run.judge("page", 100, 120, 0.3, sqlite=False)["met"] is True
    missed = run.judge("page", 10, 160, 0.1, sqlite=False)["missed"]
    assert missed == ["p95<=150ms", "≥¼ healthz"]
    assert run.judge("page", 10, 190, 0.3, sqlite=True)["met"] is True
    assert run.judge("dashboard_country", 1, 900, None, sqlite=False)["met"] is True
    assert run.judge("dashboard_unit", 1, 301, None, sqlite=False)["met"] is False
    assert run.judge("selftest", 299, 50, 1, sqlite=False)["missed"] == ["≥300/s"]
    assert run.judge("baseline", 1000, 5, 1, sqlite=False)["met"] is None


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_runner_end_to_end_on_demo_data(tmp_path):
    output = tmp_path / "results"
    command = [
        sys.executable,
        str(BENCH / "run.py"),
        "--sqlite", str(tmp_path / "bench.sqlite3"),
        "--personas", "demo",
        "--duration", "1",
        "--warmup", "0",
        "--connections", "2",
        "--burst-connections", "4",
        "--output", str(output),
        "--label", "smoke test",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "scenario" in result.stdout and "healthz" in result.stdout
    [path] = output.glob("*.json")
    report = json.loads(path.read_text())
    assert report["machine"]["cpu_count"] and report["machine"]["django"]
    assert report["data"]["database"] == "sqlite"
    scenarios = {s["key"]: s for s in report["scenarios"]}
    # The demo has no instrument responses at the specialist unit: the FHIR read may be skipped, nothing else.
    expected = {
        "healthz", "children_first", "children_deep", "search_name", "search_id", "family", "sheet_save",
        "dashboard_unit", "dashboard_country", "youth", "selftest", "api_list",
    }  # fmt: skip
    for key in expected:
        scenario = scenarios[key]
        assert not scenario["skipped"], (key, scenario["skipped"])
        assert scenario["preflight"]["status"] in (200, 302), (key, scenario["preflight"])
        # A page slower than the one-second run completes nothing in it (its preflight shows the time).
        assert scenario["requests"] > 0 or scenario["preflight"]["ms"] > 300, key
        assert scenario["unexpected"] == 0, (key, scenario["statuses"])
        assert scenario["judgement"]["target"]
    assert scenarios["sheet_save"]["statuses"].get("302")
    assert scenarios["healthz"]["ratio"] == 1.0
    assert report["workers"] and all(w["rss_mb"] > 0 for w in report["workers"])
