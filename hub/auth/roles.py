"""Roles (ordered: viewer < operator < admin) and the principal an authenticated request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a token may do: a viewer reads; an operator also acts on messages and exceptions; an admin manages."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what `needed` may do (a higher role includes the lower ones)."""
        return self.rank >= Role(needed).rank


_RANKS = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: one tenant, one role, from one token (never the token itself)."""

    tenant: str
    role: Role
    token_id: str
    name: str
