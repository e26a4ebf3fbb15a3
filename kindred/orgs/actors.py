"""Who is acting: a user in the role of one membership, in one request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kindred.accounts.models import User
    from kindred.orgs.models import Membership, Organisation


@dataclass(frozen=True)
class Actor:
    """The acting user, their active membership (if any) and the request id, for access and audit."""

    user: User | None
    membership: Membership | None = None
    request_id: str = ""
    via: str = "web"

    @property
    def organisation(self) -> Organisation | None:
        return self.membership.organisation if self.membership else None

    @property
    def role(self) -> str:
        return self.membership.role if self.membership else ""

    def can(self, capability: str) -> bool:
        return self.membership is not None and self.membership.can(capability)
