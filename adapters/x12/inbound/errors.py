"""Mapping errors of inbound X12 sets: hub errors that also say which segment and element an
acknowledgment (AK3/AK4 or IK3/IK4) should blame."""

from __future__ import annotations

from adapters.x12.problems import ElementProblem, SegmentProblem, SetProblem
from hub.errors import Location, MappingError, ValidationFailed


class _SetProblemSource:
    """Carries what an acknowledgment needs to report a set that did not map (AK3/AK4 or IK3/IK4)."""

    segment_tag: str
    set_position: int
    element: int | None
    component: int | None
    value: str
    segment_code: str
    element_code: str
    message: str
    location: Location

    def problem(self) -> SetProblem:
        """This error as the set's AK5/IK5 reason: code 5, one segment in error, with its element."""
        elements: tuple[ElementProblem, ...] = ()
        if self.element is not None:
            elements = (
                ElementProblem(
                    code=self.element_code,
                    position=self.element,
                    component=self.component,
                    value=self.value[:99],
                    message=self.message,
                ),
            )
        segment = SegmentProblem(
            code=self.segment_code,
            tag=self.segment_tag,
            position=self.set_position,
            elements=elements,
            message=self.message,
            interchange_position=self.location.position or 0,
        )
        return SetProblem(code="5", message=self.message, segment=segment)


class SetMappingError(_SetProblemSource, MappingError):
    """A transaction set that does not map to the canonical model; names the segment and element to blame."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        location: Location,
        segment_tag: str,
        set_position: int,
        element: int | None = None,
        component: int | None = None,
        value: str = "",
        segment_code: str = "8",
        element_code: str = "7",
    ) -> None:
        super().__init__(message, code=code, location=location)
        self.segment_tag = segment_tag
        self.set_position = set_position
        self.element = element
        self.component = component
        self.value = value
        self.segment_code = segment_code
        self.element_code = element_code


class SetValidationError(_SetProblemSource, ValidationFailed):
    """A mapped document that breaks a rule of the canonical model (a quantity of 0, a bad currency...)."""

    def __init__(self, message: str, *, code: str, location: Location, segment_tag: str, set_position: int) -> None:
        super().__init__(message, code=code, location=location)
        self.segment_tag = segment_tag
        self.set_position = set_position
        self.element = None
        self.component = None
        self.value = ""
        self.segment_code = "8"
        self.element_code = "7"
