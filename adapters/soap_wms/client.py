"""The SOAP seam: a hardened zeep client on a local WSDL, and one `call` that turns every failure into a hub error.

Hardening: the WSDL is a local file; zeep's parser forbids DTDs, entities and external references and
refuses huge trees; every POST has a (connect, read) timeout; request and response bodies are never logged
(zeep's transport logs them at DEBUG, Authenticate's password included), so this transport does not.
Tests and the demo pass a real transport to the simulator on a loopback port; `transport` is injectable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests
import zeep
from zeep.exceptions import (
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
    Fault,
    TransportError,
    XMLParseError,
    XMLSyntaxError,
)
from zeep.exceptions import Error as ZeepError
from zeep.transports import Transport

from adapters.soap_wms.config import SoapWmsConfig
from adapters.soap_wms.faults import classify, default_for_fault, detail_code, detail_reference
from adapters.soap_wms.profile import FaultRule, Profile
from hub.errors import ConfigError, DecodeError, HubError, TransientError
from hub.outbox.actions import error_for_status


def hardened_settings() -> zeep.Settings:
    return zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True, xml_huge_tree=False)


class QuietTransport(Transport):
    """zeep's requests transport with a timeout on every POST and no body logging."""

    def __init__(self, *, connect_timeout: float, operation_timeout: float) -> None:
        session = requests.Session()
        session.trust_env = False  # no proxy or netrc from the environment
        super().__init__(timeout=connect_timeout, operation_timeout=operation_timeout, session=session)
        self.operation_timeout = (connect_timeout, operation_timeout)

    def post(self, address: str, message: Any, headers: Any) -> requests.Response:
        return self.session.post(address, data=message, headers=headers, timeout=self.operation_timeout)


def transport_for(config: SoapWmsConfig) -> Transport:
    return QuietTransport(connect_timeout=config.connect_timeout, operation_timeout=config.operation_timeout)


def load_client(wsdl: str, transport: Transport) -> zeep.Client:
    """A zeep client for a local WSDL, parsed with the hardened settings."""
    try:
        return zeep.Client(wsdl, transport=transport, settings=hardened_settings())
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise ConfigError(f"WSDL {wsdl} refused: {type(exc).__name__}", code="soap_wsdl_forbidden") from None
    except (OSError, ZeepError, XMLSyntaxError) as exc:
        raise ConfigError(f"WSDL {wsdl} cannot be loaded: {exc}", code="soap_wsdl_invalid") from None


class SoapClient:
    """Calls operations of one binding of the WSDL at the configured endpoint."""

    def __init__(self, config: SoapWmsConfig, profile: Profile, *, transport: Transport | None = None) -> None:
        self.config = config
        self.profile = profile
        self.client = load_client(config.wsdl, transport or transport_for(config))
        if profile.binding not in self.client.wsdl.bindings:
            known = ", ".join(sorted(self.client.wsdl.bindings))
            raise ConfigError(
                f"WSDL {config.wsdl} has no binding {profile.binding} (profile {profile.name}); it has: {known}",
                code="soap_binding_missing",
            )
        binding = self.client.wsdl.bindings[profile.binding]
        address = config.endpoint or _binding_address(self.client, profile.binding)
        if not address:
            raise ConfigError(f"no endpoint: set `endpoint` (the WSDL names no address for {profile.binding})")
        self.address = address
        self.service = self.client.create_service(profile.binding, address)
        self.operations = frozenset(binding._operations)

    def require(self, operations: Sequence[str]) -> None:
        missing = [op for op in operations if op not in self.operations]
        if missing:
            raise ConfigError(
                f"WSDL {self.config.wsdl} binding {self.profile.binding} lacks operation(s) {', '.join(missing)} "
                f"that profile {self.profile.name} uses",
                code="soap_operation_missing",
            )

    def call(self, operation: str, *, what: str, headers: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """The operation's result, or the hub error that says what to do about its failure."""
        try:
            if headers:
                return getattr(self.service, operation)(_soapheaders=headers, **kwargs)
            return getattr(self.service, operation)(**kwargs)
        except Fault as fault:
            raise fault_error(self.profile.faults, fault, what) from None
        except requests.Timeout:
            raise TransientError(
                f"{what}: no answer from {self.address} within {self.config.operation_timeout:g}s",
                code="soap_timeout",
            ) from None
        except requests.ConnectionError as exc:
            reason = type(exc.__context__ or exc).__name__
            raise TransientError(f"{what}: cannot reach {self.address} ({reason})", code="soap_unreachable") from None
        except requests.RequestException as exc:
            raise TransientError(f"{what}: HTTP failure {type(exc).__name__}", code="soap_http") from None
        except TransportError as exc:
            raise error_for_status(exc.status_code, f"{what}: HTTP {exc.status_code} from {self.address}") from None
        except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
            raise ConfigError(
                f"{what}: the service answered with forbidden XML ({type(exc).__name__}); refused",
                code="soap_xml_forbidden",
            ) from None
        except (XMLSyntaxError, XMLParseError) as exc:
            raise TransientError(f"{what}: the answer is not well-formed XML: {exc}", code="soap_bad_xml") from None
        except (TypeError, ZeepError) as exc:
            raise DecodeError(
                f"{what}: the request or answer does not fit the WSDL: {exc}", code="soap_shape"
            ) from None


def fault_error(rules: Sequence[FaultRule], fault: Fault, what: str) -> HubError:
    fault_code = str(fault.code or "")
    code = f"{fault_code} {detail_code(fault.detail)}".strip()
    return classify(
        rules,
        code=code,
        text=str(fault.message or ""),
        default=default_for_fault(fault_code),
        what=what,
        reference=detail_reference(fault.detail),
    )


def _binding_address(client: zeep.Client, binding: str) -> str | None:
    for service in client.wsdl.services.values():
        for port in service.ports.values():
            if port.binding.name.text == binding:
                return port.binding_options.get("address")
    return None
