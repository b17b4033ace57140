"""Looking partners up by the identities an interchange carries; reloaded when the profiles change."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence

from hub.partners.profile import PartnerProfile

_generation = 0
_generation_lock = threading.Lock()


def profiles_changed() -> None:
    """Tell every directory in this process that the stored profiles changed (others notice within `ttl`)."""
    global _generation
    with _generation_lock:
        _generation += 1


class PartnerDirectory:
    """The partner profiles a connection knows, looked up by name, X12 identity or EDIFACT identity.

    Built from a fixed list (tests, adapters used alone) or from a loader the hub gives
    (stored profiles plus `mappings/partners/*.yaml`); a loader is called again after
    `ttl` seconds or as soon as this process changed a profile.
    """

    def __init__(
        self,
        profiles: Iterable[PartnerProfile] = (),
        *,
        loader: Callable[[], Sequence[PartnerProfile]] | None = None,
        ttl: float = 2.0,
    ) -> None:
        self._loader = loader
        self._ttl = ttl
        self._profiles: tuple[PartnerProfile, ...] = tuple(profiles)
        self._loaded_at = -1.0 if loader else float("inf")
        self._generation = _generation
        self._lock = threading.Lock()

    def all(self) -> tuple[PartnerProfile, ...]:
        if self._loader is not None and (
            self._generation != _generation or time.monotonic() - self._loaded_at > self._ttl
        ):
            with self._lock:
                self._generation = _generation
                self._profiles = tuple(self._loader())
                self._loaded_at = time.monotonic()
        return self._profiles

    def get(self, name: str) -> PartnerProfile | None:
        return next((p for p in self.all() if p.name == name), None)

    def by_x12(self, qualifier: str, ident: str) -> PartnerProfile | None:
        """The partner whose X12 identity is `qualifier:ident` (ISA ids compare without their padding)."""
        qualifier, ident = qualifier.strip(), ident.strip()
        for profile in self.all():
            if profile.x12 and profile.x12.qualifier == qualifier and profile.x12.id == ident:
                return profile
        return None

    def by_edifact(self, ident: str, qualifier: str | None = None) -> PartnerProfile | None:
        """The partner with EDIFACT id `ident`, matching its qualifier too when the profile gives one."""
        for profile in self.all():
            if profile.edifact and profile.edifact.matches(ident.strip(), (qualifier or "").strip() or None):
                return profile
        return None
