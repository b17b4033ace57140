"""Mapping errors of inbound EDIFACT messages: hub errors that also say which segment, element and component
a CONTRL (UCS/UCD) should blame, as a SyntaxProblem with its ISO 9735 code."""

from __future__ import annotations

from adapters.edifact.syntax import INVALID_VALUE, SyntaxProblem
from hub.errors import Location, MappingError, ValidationFailed


class _MessageProblemSource:
    """What a CONTRL needs to report a message that did not map: segment, its position, element, component."""

    segment_tag: str
    message_position: int
    element: int | None
    component: int | None
    value: str
    syntax_code: str
    message: str
    location: Location

    def problem(self) -> SyntaxProblem:
        """This error as the message's reason for rejection (CONTRL UCM 4 with UCS, and UCD when an element)."""
        return SyntaxProblem(
            code=self.syntax_code,
            message=self.message,
            level="element" if self.element is not None else "segment",
            segment=self.segment_tag,
            position=self.message_position or None,
            element=self.element,
            component=self.component,
            value=self.value[:70] or None,
        )


class MessageMappingError(_MessageProblemSource, MappingError):
    """An EDIFACT message that does not map to the canonical model; names the segment and element to blame."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        location: Location,
        segment_tag: str,
        message_position: int,
        element: int | None = None,
        component: int | None = None,
        value: str = "",
        syntax_code: str = INVALID_VALUE,
    ) -> None:
        super().__init__(message, code=code, location=location)
        self.segment_tag = segment_tag
        self.message_position = message_position
        self.element = element
        self.component = component
        self.value = value
        self.syntax_code = syntax_code


class MessageValidationError(_MessageProblemSource, ValidationFailed):
    """A mapped document that breaks a rule of the canonical model (a quantity of 0, a bad currency...)."""

    def __init__(self, message: str, *, code: str, location: Location, segment_tag: str, message_position: int) -> None:
        super().__init__(message, code=code, location=location)
        self.segment_tag = segment_tag
        self.message_position = message_position
        self.element = None
        self.component = None
        self.value = ""
        self.syntax_code = INVALID_VALUE
