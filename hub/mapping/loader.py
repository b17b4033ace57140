"""Load mapping files (YAML or JSON), validate them with a pydantic model, and find them by name."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

from hub.errors import Location
from hub.mapping.compiler import Compiler
from hub.mapping.engine import Mapping, compile_fields
from hub.mapping.errors import MappingFileError
from hub.yamlio import parse_yaml

ENV_VAR = "HUB_MAPPINGS_DIR"
SUFFIXES = (".yaml", ".yml", ".json")


class MappingSpec(BaseModel):
    """The shape of a mapping file; `fields` is checked further by the compiler."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    version: StrictInt = Field(ge=1)
    document: str = Field(min_length=1)
    description: str | None = None
    lookups: dict[str, dict[str, Any]] = Field(default_factory=dict)
    fields: dict[str, Any] = Field(min_length=1)

    @field_validator("lookups", mode="before")
    @classmethod
    def _text_keys(cls, value: Any) -> Any:
        """Table keys are compared as text, so `1:` and `"1":` in YAML mean the same entry."""
        if isinstance(value, dict):
            return {
                name: {str(k): v for k, v in table.items()} if isinstance(table, dict) else table
                for name, table in value.items()
            }
        return value


def parse_document(text: str, name: str) -> Any:
    """The data of a mapping file: JSON when `name` ends in .json, YAML otherwise; numbers never float."""
    try:
        if name.endswith(".json"):
            return json.loads(text, parse_float=Decimal)
        return parse_yaml(text)
    except json.JSONDecodeError as exc:
        raise MappingFileError(
            f"mapping {name}: not valid JSON: {exc.msg}", location=Location(file=name, line=exc.lineno)
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise MappingFileError(
            f"mapping {name}: not valid YAML: {exc}", location=Location(file=name, line=line)
        ) from None


def load_mapping_text(text: str, name: str) -> Mapping:
    """Load a mapping from its text; `name` is used in errors and picks JSON when it ends in .json."""
    data = parse_document(text, name)
    if not isinstance(data, dict):
        raise MappingFileError(
            f"mapping {name}: the file must hold a mapping (name, version, document, fields)",
            location=Location(file=name),
        )
    try:
        spec = MappingSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        key = ".".join(str(p) for p in err["loc"]) or "(root)"
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise MappingFileError(
            f"mapping {name}: {key}: {err['msg']}{more}", location=Location(file=name, field=key)
        ) from None
    compiler = Compiler(name, frozenset(spec.lookups))
    return Mapping(
        name=spec.name,
        version=spec.version,
        document=spec.document,
        description=spec.description,
        lookups=spec.lookups,
        fields=compile_fields(spec.fields, "fields", compiler),
        origin=name,
    )


def load_mapping(path: Path) -> Mapping:
    """Load a mapping file from disk."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingFileError(f"mapping {path}: cannot be read: {exc}", location=Location(file=str(path))) from None
    return load_mapping_text(text, str(path))


def search_path() -> list[Path]:
    """Where mapping names are looked up: each folder in $HUB_MAPPINGS_DIR, the repository's `mappings/`,
    then `./mappings`."""
    folders = [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    folders.append(Path(__file__).resolve().parents[2] / "mappings")
    folders.append(Path.cwd() / "mappings")
    unique: list[Path] = []
    for folder in folders:
        if folder not in unique:
            unique.append(folder)
    return unique


def find_mapping(ref: str, folders: Sequence[Path] | None = None) -> Path:
    """The file a mapping reference names: an absolute path, or `name` / `name.yaml` / `.yml` / `.json`
    under the first folder of the search path that has it."""
    given = Path(ref)
    if given.is_absolute():
        if given.is_file():
            return given
        raise MappingFileError(f"mapping file {ref} does not exist", location=Location(file=ref))
    candidates = [given] if given.suffix in SUFFIXES else [given.with_name(given.name + s) for s in SUFFIXES]
    searched = list(folders) if folders is not None else search_path()
    for folder in searched:
        for candidate in candidates:
            if (folder / candidate).is_file():
                return folder / candidate
    where = ", ".join(str(f) for f in searched)
    raise MappingFileError(
        f"no mapping named {ref!r} (searched {where}; set {ENV_VAR} to add folders)", location=Location(file=ref)
    )


def load_named_mapping(ref: str, folders: Sequence[Path] | None = None) -> Mapping:
    """Find a mapping by name (see `find_mapping`) and load it."""
    return load_mapping(find_mapping(ref, folders))
