"""Where statistics are about, and for which months: scopes (an organisation with its sub-units, a
municipality, a region, a country) with their drill-down, and periods of whole months.

Who may see a scope: members whose role has Capability.VIEW_STATISTICS see their own organisation and its
sub-units; those of a competence centre also see every municipality, region and the whole of their country.
Everything is aggregated: no scope ever lists persons.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability, Municipality, Organisation

# --- Periods ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole calendar months, from the first day of `start` to the last day of `end`.

    Whole months only: arbitrary day ranges would let two overlapping reports be subtracted to reveal a
    handful of days' small counts."""

    start: date
    end: date

    @classmethod
    def months(cls, first: str, last: str) -> Period:
        """From "YYYY-MM" strings; ValidationError with a translated message when they make no sense."""
        match = [re.fullmatch(r"(\d{4})-(\d{2})", value or "") for value in (first, last)]
        if not all(match):
            raise ValidationError(_("Give the months as YYYY-MM, for example 2026-01."))
        (y1, m1), (y2, m2) = ((int(m[1]), int(m[2])) for m in match)
        if not (1 <= m1 <= 12 and 1 <= m2 <= 12 and 2000 <= y1 <= 2100 and 2000 <= y2 <= 2100):
            raise ValidationError(_("Give the months as YYYY-MM, for example 2026-01."))
        start, end = date(y1, m1, 1), date(y2, m2, calendar.monthrange(y2, m2)[1])
        if end < start:
            raise ValidationError(_("The period must end after it starts."))
        if (y2 - y1) * 12 + m2 - m1 >= 60:
            raise ValidationError(_("A period can be at most five years."))
        return cls(start, end)

    @classmethod
    def default(cls, today: date | None = None) -> Period:
        """The last twelve whole months before this one."""
        today = today or timezone.localdate()
        end = today.replace(day=1) - timedelta(days=1)
        start = date(end.year - 1, end.month, 1) + timedelta(days=31)
        return cls(start.replace(day=1), end)

    @property
    def month_count(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """The same number of whole months just before."""
        end = self.start - timedelta(days=1)
        year, month = end.year, end.month - self.month_count + 1
        while month < 1:
            year, month = year - 1, month + 12
        return Period(date(year, month, 1), end)

    @property
    def first_month(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def last_month(self) -> str:
        return f"{self.end:%Y-%m}"

    def __str__(self) -> str:
        return f"{date_format(self.start, 'YEAR_MONTH_FORMAT')} – {date_format(self.end, 'YEAR_MONTH_FORMAT')}"


# --- Scopes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """One place statistics can be about. `key` is the organisation id, the municipality number, the region
    name or the country code."""

    kind: str  # "organisation" | "municipality" | "region" | "country"
    key: str
    label: str
    country: str
    organisation_ids: tuple[int, ...]
    # The Geography the scope was read from, so that the figures for it use the same reading (and do not
    # read the organisations again); None for a scope made by hand.
    geography: Geography | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def slug(self) -> str:
        return f"{self.kind}:{self.key}"


class Geography:
    """The organisations and municipalities, read once per report (a few thousand rows at most)."""

    def __init__(self) -> None:
        self.orgs = {
            o["id"]: o for o in Organisation.objects.values("id", "name", "parent_id", "municipality_number", "country")
        }
        self.municipalities = {
            (m["country"], m["number"]): m for m in Municipality.objects.values("country", "number", "name", "region")
        }
        self.children: dict[int | None, list[int]] = {}
        for org in sorted(self.orgs.values(), key=lambda o: o["name"]):
            self.children.setdefault(org["parent_id"], []).append(org["id"])

    def descendants(self, org_id: int) -> tuple[int, ...]:
        if org_id not in self._descendants:
            found, stack = [], [org_id]
            while stack:
                current = stack.pop()
                found.append(current)
                stack.extend(self.children.get(current, []))
            self._descendants[org_id] = tuple(sorted(found))
        return self._descendants[org_id]

    # Indexes, built on first use (the reports on a country ask for every municipality and region).

    @cached_property
    def _descendants(self) -> dict[int, tuple[int, ...]]:
        return {}

    @cached_property
    def _in_place(self) -> dict[tuple[str, str], list[int]]:
        """(country, municipality number) -> the organisations registered there; (country, "") for none."""
        found: dict[tuple[str, str], list[int]] = {}
        for i, o in sorted(self.orgs.items()):
            found.setdefault((o["country"], o["municipality_number"]), []).append(i)
        return found

    @cached_property
    def _in_region(self) -> dict[tuple[str, str], list[int]]:
        """(country, region) -> the organisations in the region's municipalities; (country, "") for none."""
        found: dict[tuple[str, str], list[int]] = {}
        for i, o in sorted(self.orgs.items()):
            found.setdefault((o["country"], self.region_of(i)), []).append(i)
        return found

    @cached_property
    def _reports(self) -> dict:
        """reports() and overlaps(), by country."""
        return {}

    def ancestors(self, org_id: int) -> tuple[int, ...]:
        """The organisations above `org_id`, nearest first."""
        found: list[int] = []
        current = self.orgs[org_id]["parent_id"]
        while current is not None and current in self.orgs and current not in found and current != org_id:
            found.append(current)
            current = self.orgs[current]["parent_id"]
        return tuple(found)

    def municipality_of(self, org_id: int) -> dict | None:
        org = self.orgs[org_id]
        return self.municipalities.get((org["country"], org["municipality_number"]))

    def region_of(self, org_id: int) -> str:
        municipality = self.municipality_of(org_id)
        return municipality["region"] if municipality else ""

    # Scopes

    def organisation(self, org_id: int) -> Scope:
        org = self.orgs[org_id]
        return Scope("organisation", str(org_id), org["name"], org["country"], self.descendants(org_id), self)

    def municipality(self, country: str, number: str) -> Scope:
        municipality = self.municipalities.get((country, number))
        if municipality is None:
            raise Http404
        ids = tuple(self._in_place.get((country, number), ()))
        return Scope("municipality", number, municipality["name"], country, ids, self)

    def region(self, country: str, name: str) -> Scope:
        ids = tuple(self._in_region.get((country, name), ())) if name else ()
        if not name or not any(m["region"] == name for (c, _n), m in self.municipalities.items() if c == country):
            raise Http404
        return Scope("region", name, name, country, ids, self)

    def country(self, code: str) -> Scope:
        if code not in Organisation.Country.values:
            raise Http404
        ids = tuple(sorted(i for i, o in self.orgs.items() if o["country"] == code))
        return Scope("country", code, str(Organisation.Country(code).label), code, ids, self)

    def parse(self, slug: str) -> Scope:
        """A scope from its slug ("organisation:12", "municipality:NO:1103", "region:NO:Rogaland", "country:NO")."""
        kind, _sep, rest = (slug or "").partition(":")
        try:
            if kind == "organisation" and int(rest) in self.orgs:
                return self.organisation(int(rest))
            if kind == "municipality":
                country, _sep, number = rest.partition(":")
                return self.municipality(country, number)
            if kind == "region":
                country, _sep, name = rest.partition(":")
                return self.region(country, name)
            if kind == "country":
                return self.country(rest)
        except ValueError:
            pass
        raise Http404

    def slug(self, scope: Scope) -> str:
        if scope.kind in ("municipality", "region"):
            return f"{scope.kind}:{scope.country}:{scope.key}"
        return scope.slug

    def parts(self, scope: Scope) -> list[Scope]:
        """The drill-down, which always partitions the scope (so its rows add up to the scope's figures):
        a country's regions, a region's municipalities, a municipality's organisations (each with its
        sub-units there), an organisation's own figures and its sub-units (each with theirs). Parts that
        cannot be opened further have kind "part"."""
        if scope.kind == "country":
            regions = sorted(
                {m["region"] for (c, _n), m in self.municipalities.items() if c == scope.country and m["region"]}
            )
            parts = [self.region(scope.country, r) for r in regions]
            rest = tuple(i for i in scope.organisation_ids if not self.region_of(i))
            if rest:
                parts.append(Scope("part", "", _("Municipality not registered"), scope.country, rest, self))
            return parts
        if scope.kind == "region":
            numbers = sorted(
                (m["name"], n)
                for (c, n), m in self.municipalities.items()
                if c == scope.country and m["region"] == scope.key
            )
            return [self.municipality(scope.country, n) for _name, n in numbers]
        if scope.kind == "municipality":
            inside = set(scope.organisation_ids)
            # The organisations with no organisation of the municipality above them, however far up: a unit
            # whose parent lies elsewhere but whose grandparent is here belongs to the grandparent's part.
            tops = sorted(
                (i for i in inside if not inside & set(self.ancestors(i))), key=lambda i: (self.orgs[i]["name"], i)
            )
            return [
                Scope(
                    "organisation",
                    str(i),
                    self.orgs[i]["name"],
                    scope.country,
                    tuple(sorted(inside & set(self.descendants(i)))),
                    self,
                )
                for i in tops
            ]
        if scope.kind != "organisation":
            return []
        org_id = int(scope.key)
        children = self.children.get(org_id, [])
        if not children:
            return []
        own = Scope("part", str(org_id), _("%(name)s itself") % {"name": scope.label}, scope.country, (org_id,), self)
        return [own, *(self.organisation(i) for i in children)]

    def reports(self, country: str) -> list[tuple[Scope, list[Scope]]]:
        """Every scope of the country a report can be about, each with the rows of its table (its parts, or
        the scope itself when it has none): the country, its regions and municipalities, and every
        organisation. These reports share numbers (a part's row in one is the part's own total in another),
        so kindred.reports.kpis suppresses them together."""
        if country not in Organisation.Country.values:
            return []
        if country in self._reports:
            return self._reports[country]
        scopes = [self.country(country)]
        regions = sorted({m["region"] for (c, _n), m in self.municipalities.items() if c == country and m["region"]})
        scopes += [self.region(country, name) for name in regions]
        scopes += [self.municipality(c, n) for (c, n) in sorted(self.municipalities) if c == country]
        scopes += [self.organisation(i) for i in sorted(self.orgs) if self.orgs[i]["country"] == country]
        self._reports[country] = [(scope, self.parts(scope) or [scope]) for scope in scopes]
        return self._reports[country]

    def overlaps(self, country: str) -> list[tuple[list[frozenset[int]], list[frozenset[int]], frozenset[int]]]:
        """Where the organisation trees and the geography split the country's organisations differently, as
        tables of sets of organisations: (rows, columns, the whole), each row and column adding up to the
        whole and each cell being a row's overlap with a column.

        For each organisation (and the country as a whole, whose parts are its trees) and each region or
        the country whose parts (municipalities, regions) it straddles: rows are the organisation's parts
        that straddle them, and per part of the place the rest of the organisation in it (with a one-column
        table of how that rest adds up); columns are the place's parts. For each municipality that an
        organisation's parts lie partly outside of: one column, the organisation's parts within it. Nothing
        for trees that lie within one municipality, where the reports themselves say it all. See
        kindred.reports.kpis, which suppresses these with the reports."""
        key = ("overlaps", country)
        if key in self._reports:
            return self._reports[key]
        reports = self.reports(country)
        if not reports:
            return []
        everyone = frozenset(reports[0][0].organisation_ids)
        roots = [i for i in sorted(everyone) if not any(a in everyone for a in self.ancestors(i))]
        trees = [(everyone, [frozenset(self.descendants(i)) & everyone for i in roots])]
        for i in sorted(everyone):
            children = [c for c in self.children.get(i, []) if c in everyone]
            if children:
                whole = frozenset(self.descendants(i)) & everyone
                trees.append((whole, [frozenset({i}), *(frozenset(self.descendants(c)) & everyone for c in children)]))
        places: list[tuple[frozenset[int], list[frozenset[int]] | None]] = []
        for scope, parts in reports:
            if scope.kind in ("country", "region"):
                places.append((frozenset(scope.organisation_ids), [frozenset(p.organisation_ids) for p in parts]))
                places += [(frozenset(p.organisation_ids), None) for p in parts if p.kind == "part"]
            elif scope.kind == "municipality":
                places.append((frozenset(scope.organisation_ids), None))
        place_of: dict[int, list[int]] = {}
        for k, (inside, _parts) in enumerate(places):
            for i in inside:
                place_of.setdefault(i, []).append(k)
        found = []
        for whole, its_parts in trees:
            for k in sorted({k for i in whole for k in place_of.get(i, ())}):
                place, place_parts = places[k]
                inside = whole & place
                rows = [r for r in (p & place for p in its_parts) if r]
                if len(rows) < 2:
                    continue
                if place_parts is None:
                    columns = [inside]
                    if all(r in its_parts for r in rows):
                        continue  # only whole parts: the organisation's or the municipality's report says it
                else:
                    columns = [c for c in (q & whole for q in place_parts) if c]
                    straddling = [r for r in rows if sum(1 for c in columns if r & c) > 1]
                    if not straddling:
                        continue  # each part of it in one part of the place: the reports say the same
                    # The parts that lie in one part of the place (there may be hundreds) are taken together
                    # per part of the place, and how each such rest adds up is a table of its own.
                    rests = []
                    for c in columns:
                        within = [r for r in rows if r <= c]
                        if within:
                            rests.append(frozenset().union(*within))
                            if len(within) > 1:
                                found.append((within, [rests[-1]], rests[-1]))
                    rows = [*straddling, *rests]
                found.append((rows, columns, inside))
        self._reports[key] = found
        return found

    def parent(self, scope: Scope) -> Scope | None:
        if scope.kind == "organisation":
            org = self.orgs[int(scope.key)]
            if org["parent_id"]:
                return self.organisation(org["parent_id"])
            municipality = self.municipality_of(int(scope.key))
            return self.municipality(org["country"], org["municipality_number"]) if municipality else None
        if scope.kind == "municipality":
            region = self.municipalities[(scope.country, scope.key)]["region"]
            return self.region(scope.country, region) if region else self.country(scope.country)
        if scope.kind == "region":
            return self.country(scope.country)
        return None


def may_see(actor: Actor, geography: Geography, scope: Scope) -> bool:
    """The statistics rule (see the module docstring)."""
    if not actor.can(Capability.VIEW_STATISTICS) or actor.organisation is None:
        return False
    home = actor.organisation
    if home.kind == Organisation.Kind.COMPETENCE_CENTRE and scope.country == home.country:
        return True
    return scope.kind == "organisation" and int(scope.key) in geography.descendants(home.pk)


def home_scope(actor: Actor, geography: Geography) -> Scope:
    """Where the dashboard opens: a competence centre's country, else the actor's organisation."""
    home = actor.organisation
    if home.kind == Organisation.Kind.COMPETENCE_CENTRE:
        return geography.country(home.country)
    return geography.organisation(home.pk)


def resolve(actor: Actor, slug: str | None) -> tuple[Geography, Scope]:
    """The scope named by `slug` (or the actor's home scope), if the actor may see it; otherwise Http404."""
    if not actor.can(Capability.VIEW_STATISTICS):
        raise PermissionError(Capability.VIEW_STATISTICS)
    geography = Geography()
    scope = geography.parse(slug) if slug else home_scope(actor, geography)
    if not may_see(actor, geography, scope):
        raise Http404
    return geography, scope
