"""Keeping personal data of clients out of texts shared across organisations (agendas, minutes, documents).

Two checks, both cheap:
- national ids: every sequence of 10 or 11 digits, also written in groups with spaces or dashes
  ("010190 12345", "010190-1234"), validated as a Norwegian fødselsnummer/D-number or a Danish CPR number
  (python-stdnum), so ordinary numbers (phone numbers, dates, sums) pass;
- names: runs of capitalised words are cut into (given names, family name) candidates, and one query asks whether
  a person the organisation holds has such a name. No person is loaded unless their name is in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.dk import cpr
from stdnum.no import fodselsnummer

from kindred.orgs.models import Organisation

DIGIT_RUN = re.compile(r"\d+(?:[ \u00a0\-\u2010\u2011\u2013]\d+)*")
SEPARATOR = re.compile(r"[ \u00a0\-\u2010\u2011\u2013]")
WORD = re.compile(r"[^\W\d_][\w'\u2019\-]*")
# A name is two to four words: "Ola Nordmann", "Anne-Lise Berg Hansen", "Kari Nordmann Lie".
MAX_NAME_WORDS = 4
PAIRS_PER_QUERY = 500


@dataclass(frozen=True)
class Finding:
    kind: str  # "national_id" or "name"
    text: str  # as written


def national_ids(text: str) -> list[str]:
    """The valid Norwegian or Danish national ids in the text, as written."""
    found = []
    for match in DIGIT_RUN.finditer(text):
        groups = SEPARATOR.split(match.group())
        spans = []
        position = match.start()
        for group in groups:
            start = text.index(group, position)
            spans.append((start, start + len(group)))
            position = start + len(group)
        for first in range(len(groups)):
            digits = ""
            for last in range(first, len(groups)):
                digits += groups[last]
                if len(digits) > 11:
                    break
                if (len(digits) == 11 and fodselsnummer.is_valid(digits)) or (
                    len(digits) == 10 and cpr.is_valid(digits)
                ):
                    found.append(text[spans[first][0] : spans[last][1]])
    return list(dict.fromkeys(found))


def _capitalised_runs(text: str) -> list[list[str]]:
    runs: list[list[str]] = []
    current: list[str] = []
    end = 0
    for match in WORD.finditer(text):
        word = match.group().rstrip("-'\u2019")
        between = text[end : match.start()]
        end = match.end()
        if word[:1].isupper() and (not current or between.isspace()):
            current.append(word)
            continue
        if len(current) >= 2:
            runs.append(current)
        current = [word] if word[:1].isupper() else []
    if len(current) >= 2:
        runs.append(current)
    return runs


def _without_genitive(word: str) -> list[str]:
    """The word, and without a genitive ending ("Nordmanns", "Nordmann's"): a name is often written so."""
    if word.endswith(("'s", "\u2019s")) and len(word) > 3:
        return [word, word[:-2]]
    if word.endswith("s") and len(word) > 3:
        return [word, word[:-1]]
    return [word]


def name_candidates(text: str) -> set[tuple[str, str]]:
    """(given names, family name) pairs that the capitalised word runs of the text could be, casefolded."""
    pairs: set[tuple[str, str]] = set()
    for run in _capitalised_runs(text):
        for i in range(len(run)):
            for j in range(i + 2, min(i + MAX_NAME_WORDS, len(run)) + 1):
                for k in range(i + 1, j):
                    given = " ".join(run[i:k])
                    for last in _without_genitive(run[j - 1]):
                        family = " ".join([*run[k : j - 1], last])
                        pairs.add((given.casefold(), family.casefold()))
    return pairs


def _spellings(name: str) -> set[str]:
    """The ways a casefolded name is likely stored: capitalised per part, and in capitals."""
    capitalised = re.sub(r"[^\s\-]+", lambda m: m.group()[:1].upper() + m.group()[1:], name)
    return {capitalised, name.upper()}


def registered_names(text: str, organisation: Organisation | None) -> list[str]:
    """Full names in the text of persons the organisation holds (patients, their family, persons it registered)."""
    from kindred.people.access import persons_held_by_organisation

    if organisation is None:
        return []
    candidates = sorted(name_candidates(text))
    found: list[str] = []
    for start in range(0, len(candidates), PAIRS_PER_QUERY):
        chunk = set(candidates[start : start + PAIRS_PER_QUERY])
        givens = {s for given, _family in chunk for s in _spellings(given)}
        families = {s for _given, family in chunk for s in _spellings(family)}
        rows = (
            persons_held_by_organisation(organisation)
            .filter(family_name__in=families, given_name__in=givens)
            .values_list("given_name", "family_name")
        )
        for given, family in rows:
            if (given.casefold(), family.casefold()) in chunk:
                found.append(f"{given} {family}")
    return sorted(set(found))


def findings(text: str, organisation: Organisation | None) -> list[Finding]:
    if not text or not text.strip():
        return []
    return [Finding("national_id", n) for n in national_ids(text)] + [
        Finding("name", n) for n in registered_names(text, organisation)
    ]
