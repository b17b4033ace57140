"""The mapping language: declarative YAML/JSON files that turn source documents into canonical dicts.

See docs/mapping.md for the syntax and every function.
"""

from __future__ import annotations

from hub.mapping.engine import Mapping
from hub.mapping.errors import MappingFileError
from hub.mapping.functions import FUNCTIONS
from hub.mapping.loader import (
    ENV_VAR,
    MappingSpec,
    find_mapping,
    load_mapping,
    load_mapping_text,
    load_named_mapping,
    search_path,
)
from hub.mapping.paths import Path, PathSyntaxError, parse_path

__all__ = [
    "ENV_VAR",
    "FUNCTIONS",
    "Mapping",
    "MappingFileError",
    "MappingSpec",
    "Path",
    "PathSyntaxError",
    "find_mapping",
    "load_mapping",
    "load_mapping_text",
    "load_named_mapping",
    "parse_path",
    "search_path",
]
