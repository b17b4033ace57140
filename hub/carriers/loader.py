"""Load rate cards from YAML files: one file, or every card in a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hub.carriers.model import RateCard
from hub.carriers.problems import config_error, from_validation_error
from hub.errors import ConfigError, Location
from hub.yamlio import parse_yaml

SUFFIXES = (".yaml", ".yml")


def parse_rate_card(data: Any, source: str) -> RateCard:
    """Validate the data of one rate card; every problem is a ConfigError naming `source` and the key."""
    if not isinstance(data, dict):
        raise config_error(source, "(root)", "a rate card must be a mapping (carrier, zones, services, ...)")
    try:
        card = RateCard.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(source, exc) from None
    return card.model_copy(update={"source": source})


def load_rate_card_text(text: str, source: str) -> RateCard:
    """A rate card from YAML text; `source` names it in errors."""
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(
            f"rate card {source}: not valid YAML: {exc}",
            code="rate_card_invalid",
            location=Location(file=source, line=line),
        ) from None
    return parse_rate_card(data, source)


def load_rate_card(path: Path) -> RateCard:
    """A rate card from one YAML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise config_error(str(path), "(file)", f"cannot be read: {exc}") from None
    return load_rate_card_text(text, str(path))


def load_rate_cards(path: str | Path) -> tuple[RateCard, ...]:
    """Every rate card in a folder (`*.yaml`, `*.yml`, sorted by name), or the one card a file holds.

    Two cards for the same carrier code are refused: a carrier has one card.
    """
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix in SUFFIXES)
        if not files:
            raise config_error(str(root), "(folder)", "holds no rate card (*.yaml, *.yml)")
    elif root.is_file():
        files = [root]
    else:
        raise config_error(str(root), "(path)", "does not exist")
    cards: list[RateCard] = []
    seen: dict[str, str] = {}
    for file in files:
        card = load_rate_card(file)
        other = seen.setdefault(card.carrier.code, str(file))
        if other != str(file):
            raise config_error(
                str(file), "carrier.code", f"carrier {card.carrier.code!r} already has a card in {other}"
            )
        cards.append(card)
    return tuple(cards)
