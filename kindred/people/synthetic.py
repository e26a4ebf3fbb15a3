"""Synthetic but valid national id numbers for demo and scale data (never real people)."""

from __future__ import annotations

from datetime import date

from stdnum.no import fodselsnummer


def synthetic_fnr(birth: date, serial: int) -> str:
    """A valid Norwegian fødselsnummer for `birth`; `serial` (0–499 for 1900–1999, 500–999 for 2000–2039)
    picks the individual number. Returns "" if that serial gives no valid check digits."""
    serial = 500 + serial % 500 if birth.year >= 2000 else serial % 500
    base = f"{birth:%d%m%y}{serial:03d}"
    k1 = fodselsnummer.calc_check_digit1(base)
    if len(k1) != 1:
        return ""
    k2 = fodselsnummer.calc_check_digit2(base + k1)
    if len(k2) != 1:
        return ""
    return base + k1 + k2


def first_valid_fnr(birth: date, start: int = 0) -> str:
    for serial in range(start, start + 500):
        number = synthetic_fnr(birth, serial)
        if number:
            return number
    raise ValueError(f"no valid number for {birth}")
