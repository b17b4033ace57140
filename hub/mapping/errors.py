"""Errors of the mapping language: a broken mapping file is configuration, a failed record is data."""

from __future__ import annotations

from hub.errors import ConfigError


class MappingFileError(ConfigError):
    """A mapping file cannot be used (bad YAML/JSON, unknown function, bad path): fix the file.

    `location.file` names the mapping file and `location.field` the key inside it,
    for example `fields.lines.fields.quantity`.
    """

    code = "mapping_file_error"
