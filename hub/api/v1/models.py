"""Shapes the v1 API documents in its OpenAPI description: problem details, pages, and small request bodies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.api.security import PROBLEM_JSON


class ProblemDetail(BaseModel):
    """RFC 9457 problem details: every v1 error has this shape (as application/problem+json)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": ProblemDetail.model_json_schema()}}}


PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: _problem("The request body cannot be read (not JSON, or not UTF-8)"),
    401: _problem("No token, or an unknown, malformed or revoked one"),
    403: _problem("The token's role does not allow this"),
    404: _problem("No such object for the token's tenant"),
    409: _problem("The object is not in a state that allows this"),
    422: _problem("The request is not valid"),
    500: _problem("The hub failed to answer"),
}
"""Documented on every v1 operation (FastAPI's own 422 is replaced by the problem form)."""


class Page(BaseModel):
    """A page of a list: `next_cursor` fetches the following page (null on the last one)."""

    items: list[dict[str, Any]]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null when this is the last.")


class Items(BaseModel):
    items: list[dict[str, Any]]
