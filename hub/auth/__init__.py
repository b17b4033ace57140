"""API tokens: each scoped to one tenant and one role (viewer < operator < admin), stored only as a hash."""

from __future__ import annotations

from hub.auth.roles import Principal, Role
from hub.auth.tokens import TokenRecord, authenticate, create_token, list_tokens, revoke_token, token_id_of

__all__ = [
    "Principal",
    "Role",
    "TokenRecord",
    "authenticate",
    "create_token",
    "list_tokens",
    "revoke_token",
    "token_id_of",
]
