"""Rule set versions in the store: save a file as a version, activate one, read the active one (cached)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select, update

from hub.errors import ConfigError
from hub.model.ids import utcnow
from hub.rules.loader import digest, load_rule_set_text
from hub.rules.ruleset import BUILT_IN, RuleSet
from hub.store.tables import rule_sets

if TYPE_CHECKING:
    from hub.exceptions.return_rules import ReturnRules


class RuleSetVersionConflict(ConfigError):
    code = "rule_set_version_conflict"


@dataclass(frozen=True)
class StoredRuleSet:
    version: int
    name: str
    sha256: str
    active: bool
    created_at: Any
    activated_at: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "name": self.name,
            "sha256": self.sha256,
            "active": self.active,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "activated_at": self.activated_at.isoformat() if self.activated_at else None,
        }


def save_rule_set(conn: Connection, tenant: str, text: str, source: str = "<rule set>") -> RuleSet:
    """Check `text` and store it under the version it declares; the same text again is a no-op.

    A version is immutable: different text under a stored version number is refused.
    """
    rule_set = load_rule_set_text(text, source)
    assert rule_set.version is not None
    sha = digest(text)
    t = rule_sets.c
    row = conn.execute(select(t.sha256).where(t.tenant == tenant, t.version == rule_set.version)).first()
    if row is not None:
        if row.sha256 != sha:
            raise RuleSetVersionConflict(
                f"{source}: version {rule_set.version} is already stored with other rules; a version never changes, "
                f"so give the new rules a new version number"
            )
        return rule_set
    conn.execute(
        rule_sets.insert().values(
            tenant=tenant,
            version=rule_set.version,
            name=rule_set.name,
            body=text,
            sha256=sha,
            created_at=utcnow(),
            active=0,
        )
    )
    return rule_set


def activate(conn: Connection, tenant: str, version: int) -> None:
    """Make `version` the rule set new allocations use (one active version per tenant)."""
    t = rule_sets.c
    exists = conn.execute(select(t.version).where(t.tenant == tenant, t.version == version)).first()
    if exists is None:
        known = list(conn.execute(select(t.version).where(t.tenant == tenant).order_by(t.version)).scalars())
        raise ConfigError(f"no rule set version {version}; stored: {', '.join(map(str, known)) or 'none'}")
    conn.execute(update(rule_sets).where(t.tenant == tenant, t.active == 1).values(active=0))
    conn.execute(
        update(rule_sets).where(t.tenant == tenant, t.version == version).values(active=1, activated_at=utcnow())
    )


def list_rule_sets(conn: Connection, tenant: str) -> list[StoredRuleSet]:
    t = rule_sets.c
    rows = conn.execute(select(rule_sets).where(t.tenant == tenant).order_by(t.version))
    return [StoredRuleSet(r.version, r.name, r.sha256, bool(r.active), r.created_at, r.activated_at) for r in rows]


def rule_set_text(conn: Connection, tenant: str, version: int | None = None) -> tuple[int, str] | None:
    """The stored text of `version` (default: the active one), or None."""
    t = rule_sets.c
    stmt = select(t.version, t.body).where(t.tenant == tenant)
    stmt = stmt.where(t.version == version) if version is not None else stmt.where(t.active == 1)
    row = conn.execute(stmt).first()
    return (row.version, row.body) if row else None


class ActiveRuleSet:
    """The tenant's active rule set, compiled once per version (one small query per look-up)."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[str, int], RuleSet] = {}

    def get(self, conn: Connection, tenant: str) -> RuleSet:
        t = rule_sets.c
        version = conn.execute(select(t.version).where(t.tenant == tenant, t.active == 1)).scalar_one_or_none()
        if version is None:
            return BUILT_IN
        key = (tenant, int(version))
        if key not in self._compiled:
            found = rule_set_text(conn, tenant, int(version))
            assert found is not None
            self._compiled[key] = load_rule_set_text(found[1], f"rule set v{version}", version=int(version))
        return self._compiled[key]


def active_return_rules(conn: Connection, tenant: str) -> ReturnRules:
    """The `returns:` section of the active rule set, or the default return rules when it has none."""
    from hub.exceptions.return_rules import DEFAULT_RETURN_RULES, ReturnRules

    returns = ActiveRuleSet().get(conn, tenant).source.returns
    return ReturnRules.from_config(returns) if returns else DEFAULT_RETURN_RULES
