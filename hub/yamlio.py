"""Safe YAML for the hub's data files (mappings, rate cards, calendars): exact decimals, YAML 1.2 scalars, unique keys.

Plain YAML 1.1 would read `NO` (Norway) as false, `14:00` as the number 840, `4.20` as a float and
`2026-02-30` as an error without a key; here they stay text, a Decimal, and text for the schema to
check and name.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

_INT = re.compile(r"^[-+]?[0-9][0-9_]*$")
_DECIMAL = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_REPLACED = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
}


class DataLoader(yaml.SafeLoader):
    """SafeLoader where `16:00` and dates stay text, `NO` stays Norway, `4.20` is a Decimal and keys are unique."""


DataLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
DataLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
DataLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
DataLoader.add_implicit_resolver("tag:yaml.org,2002:float", _DECIMAL, list("-+.0123456789"))


def _int_scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    return int(str(loader.construct_scalar(node)).replace("_", ""))


def _decimal_scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not a decimal", node.start_mark) from None


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node)


DataLoader.add_constructor("tag:yaml.org,2002:int", _int_scalar)
DataLoader.add_constructor("tag:yaml.org,2002:float", _decimal_scalar)
DataLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def parse_yaml(text: str) -> Any:
    """The data of a YAML document read with `DataLoader`; raises `yaml.YAMLError` when malformed."""
    return yaml.load(text, Loader=DataLoader)  # DataLoader derives from SafeLoader
