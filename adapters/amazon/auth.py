"""Login with Amazon: exchange the refresh token for an access token, cache it, refresh it before it expires."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from adapters.amazon.config import LWA_TOKEN_URL, AmazonConfig
from hub.channels import call, read_json
from hub.errors import ConfigError, RecordError, TransientError

REFRESH_EARLY_SECONDS = 300.0
"""Refresh this long before the token's end, so no request leaves with a token about to expire."""


class LwaAuth:
    """The access token for SP-API calls (`x-amz-access-token`), refreshed with the connection's refresh token.

    An LWA answer of 400/401 (invalid_grant, invalid_client: a revoked authorisation or a wrong secret) is a
    ConfigError: the connection stops until an operator fixes it. The token itself is never logged or repr'd.
    """

    def __init__(
        self, config: AmazonConfig, client: httpx.Client, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._config = config
        self._client = client
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"LwaAuth(region={self._config.region!r}, cached={self._token is not None})"

    def token(self) -> str:
        """A valid access token: the cached one unless it ends within REFRESH_EARLY_SECONDS."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - REFRESH_EARLY_SECONDS:
                self._refresh()
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        """Forget the cached token (Amazon said it expired): the next `token()` fetches a new one."""
        with self._lock:
            self._token = None

    def _refresh(self) -> None:
        config = self._config
        form = {
            "grant_type": "refresh_token",
            "refresh_token": config.refresh_token.get_secret_value(),
            "client_id": config.lwa_client_id.get_secret_value(),
            "client_secret": config.lwa_client_secret.get_secret_value(),
        }
        started = self._clock()
        try:
            response = call(self._client, "POST", LWA_TOKEN_URL, what="Amazon LWA token refresh", data=form)
        except RecordError as exc:  # 400 invalid_grant / invalid_client / unauthorized_client
            raise ConfigError(f"{exc.message} (check the LWA client and refresh token)", code="lwa_refused") from None
        data = read_json(response, what="Amazon LWA token")
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise TransientError("Amazon LWA token refresh: the answer holds no access_token", code="lwa_bad_answer")
        try:
            lifetime = float(data.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        self._token = token
        self._expires_at = started + lifetime
        self.refreshes += 1
