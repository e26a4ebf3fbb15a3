"""The children overview's summary rows (ChildFollowUp), derived from the facts in one statement.

A unit's overview shows every minor child of every open episode with five facts about the follow-up. Computing them
per request meant five correlated subqueries for each of a large unit's ~1,600 children before it could filter and
sort (about 20 ms of database and 10 ms of Django building the query, per page, at national scale). Instead each
use case that changes one of the facts calls `refresh_follow_up` for the episodes it touched, in its own
transaction: the episode's rows are deleted and inserted again by the one statement of `_facts_sql`. There is no
other way to write them.

What changes a row: a parent-child relationship (people.services.relate), an episode opened, a child sheet saved,
information given, a concern report sent or answered. Deleting an episode, a relationship or a person cascades.
Overdue tasks are not stored: they change with the calendar, and the overview counts them for the rows it shows.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from kindred.care.models import ChildFollowUp, ChildSheet, ConcernReport, Episode, InformationGiven
from kindred.people.models import Relationship

COLUMNS = (
    "episode_id",
    "relationship_id",
    "parent_id",
    "child_id",
    "has_sheet",
    "informed",
    "concern",
    "concern_rank",
    "open_reports",
)


def _facts_sql(where: str) -> str:
    """SELECT the rows of ChildFollowUp for the episodes that `where` (on `e`, the episode) picks."""
    qn = connection.ops.quote_name
    sheets, information = qn(ChildSheet._meta.db_table), qn(InformationGiven._meta.db_table)
    reports, episodes = qn(ConcernReport._meta.db_table), qn(Episode._meta.db_table)
    relationships = qn(Relationship._meta.db_table)
    same = "x.episode_id = e.id AND x.child_id = r.other_id"
    # Table names from the models, quoted; `where` comes from this module with placeholders for its values.
    return f"""
        SELECT e.id, r.id, r.person_id, r.other_id,
          EXISTS (SELECT 1 FROM {sheets} x WHERE {same}),
          EXISTS (SELECT 1 FROM {information} x WHERE {same}),
          (SELECT x.concern_level FROM {sheets} x WHERE {same}),
          COALESCE((SELECT CASE x.concern_level WHEN 'serious' THEN 2 WHEN 'some' THEN 1 ELSE 0 END
                    FROM {sheets} x WHERE {same}), 0),
          (SELECT COUNT(*) FROM {reports} x WHERE {same} AND x.feedback_on IS NULL)
        FROM {episodes} e
        JOIN {relationships} r ON r.person_id = e.patient_id AND r.kind = 'parent_of'
        WHERE {where}"""  # noqa: S608


def _insert(where: str, params: list) -> None:
    table = connection.ops.quote_name(ChildFollowUp._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(COLUMNS)}) {_facts_sql(where)}", params)


def refresh_follow_up(episode_ids: Iterable[int]) -> None:
    """Recompute the rows of these episodes from the facts. Call inside the use case's transaction.

    Two use cases on one episode at once (two staff saving sheets of the same family) must not both delete the old
    rows and insert new ones: the second insert would collide with the first. Each refresh first locks the
    episodes' rows (FOR NO KEY UPDATE, in id order), so the second waits for the first to commit and then replaces
    its rows. That lock does not conflict with the key-share locks taken by inserting sheets or reports for the
    episode, so a use case that inserted one before refreshing cannot deadlock with another doing the same."""
    ids = sorted({int(pk) for pk in episode_ids})
    if not ids:
        return
    list(Episode.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk"))
    ChildFollowUp.objects.filter(episode_id__in=ids).delete()
    _insert(f"e.id IN ({', '.join(['%s'] * len(ids))})", ids)


def refresh_follow_up_of_patient(person_id: int) -> None:
    """After a parent-child relationship of this person changed: the rows of all their episodes."""
    refresh_follow_up(Episode.objects.filter(patient_id=person_id).values_list("pk", flat=True))


def rebuild_follow_up() -> int:
    """All rows again from the facts, in one statement (after bulk loads; `manage.py scale_data`)."""
    ChildFollowUp.objects.all().delete()
    _insert("1 = 1", [])
    return ChildFollowUp.objects.count()
