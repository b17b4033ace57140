"""One warehouse behind SOAP: its profile, its dialect, and the zeep client built on first use."""

from __future__ import annotations

from zeep.transports import Transport

from adapters.soap_wms.client import SoapClient
from adapters.soap_wms.config import SoapWmsConfig
from adapters.soap_wms.dialects import DIALECTS, DocumentDialect, PeoplevoxDialect
from adapters.soap_wms.profile import Profile, load_profile


class SoapWms:
    """Shared by the sink and the poller of a connection. `transport` is the injectable I/O seam."""

    def __init__(self, config: SoapWmsConfig, *, transport: Transport | None = None) -> None:
        self.config = config
        self.profile: Profile = load_profile(config.profile)
        self._transport = transport
        self._client: SoapClient | None = None
        self.dialect: PeoplevoxDialect | DocumentDialect = DIALECTS[self.profile.dialect](
            config, self.profile, self.client
        )

    def client(self) -> SoapClient:
        if self._client is None:
            client = SoapClient(self.config, self.profile, transport=self._transport)
            profile = self.profile
            steps = [*profile.release, *profile.cancel, profile.despatches, profile.stock]
            client.require(sorted({s.operation for s in steps} | ({profile.session.login} - {None})))
            self._client = client
        return self._client
