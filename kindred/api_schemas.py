"""Building blocks shared by the API routers: the error body, safe ids and text, choices and pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.db import models
from django.utils.translation import gettext as _
from ninja import Field, Path, Schema
from pydantic import AfterValidator, StringConstraints

from kindred import paging

# The largest primary key the databases store (a signed 64-bit integer); larger ids are 422, never a 500.
MAX_ID = 2**63 - 1


class ErrorOut(Schema):
    """Every error: a translated `detail`; `errors` names the fields (or lists the problems) on a 422."""

    detail: str
    errors: Any | None = None


def errors(*extra: int) -> dict[int, type[ErrorOut]]:
    """The error statuses of an endpoint for its `response` dict: always 401 (not logged in), 403 (the role,
    or two-factor login missing) and 422 (invalid input); add 404 for ids in the path, 400 for a JSON body
    that cannot be parsed."""
    return dict.fromkeys(sorted({401, 403, 422, *extra}), ErrorOut)


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL characters in text; refuse them as invalid input.
    if "\x00" in value:
        raise ValueError(_("Text cannot contain NUL characters."))
    return value


def text(max_length: int) -> Any:
    """A string of at most `max_length` characters (the column's size), without NUL characters."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_no_nul)]


def choice(choices: type[models.TextChoices]) -> Any:
    """One of a model field's choices, inlined in the OpenAPI document (enum names repeat across models)."""
    return Literal[tuple(choices.values)]


class UserRef(Schema):
    """A member named in a response: only the id and the name, never the e-mail address."""

    id: int = Field(description="The user's id.")
    full_name: str = Field(description="The user's name.")

    @classmethod
    def of(cls, user) -> UserRef | None:
        return cls(id=user.pk, full_name=user.full_name) if user is not None else None


DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Path[int, {"ge": 1, "le": MAX_ID}]

PAGE_DEFAULT = 20
PAGE_MAX = 100


class PageIn(Schema):
    limit: int = Field(PAGE_DEFAULT, ge=1, le=PAGE_MAX, description="Items per page (at most 100).")
    offset: int = Field(0, ge=0, le=10**9, description="Items to skip.")


class PageOut(Schema):
    """One page of a list; each list endpoint's page adds `items` of its own type."""

    count: int
    limit: int
    offset: int


def page_of(queryset, page: PageIn) -> tuple[int, list]:
    """The total and one page of the queryset, in one query where it can (kindred.paging)."""
    return paging.page_of(queryset, page.offset, page.limit)
