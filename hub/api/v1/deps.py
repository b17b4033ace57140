"""What every v1 route needs: the caller (principal) and their tenant's hub context, checked for a role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request

from hub.api.security import Problem, require, tenant_context
from hub.auth import Principal, Role
from hub.context import HubContext
from hub.errors import HubError


@dataclass(frozen=True)
class Caller:
    """The authenticated principal and the hub context of its tenant (never another tenant's)."""

    principal: Principal
    ctx: HubContext

    @property
    def tenant(self) -> str:
        return self.principal.tenant

    @property
    def by(self) -> str:
        """How actions are attributed: the token's name and id."""
        return f"api:{self.principal.name} ({self.principal.token_id})"


def caller(role: Role) -> Callable[..., Caller]:
    """Dependency: the caller, when their token's role allows `role`."""

    def dependency(request: Request, principal: Principal = Depends(require(role))) -> Caller:
        return Caller(principal, tenant_context(request, principal))

    dependency.__name__ = f"caller_{role.value}"
    return dependency


VIEWER = Depends(caller(Role.VIEWER))
OPERATOR = Depends(caller(Role.OPERATOR))
ADMIN = Depends(caller(Role.ADMIN))


def refused(exc: HubError, status: int = 422) -> Problem:
    """A HubError as a problem document, keeping its code (and where, when it says)."""
    location = exc.location.as_dict() or None
    return Problem(status, exc.message, code=exc.code, location=location)
