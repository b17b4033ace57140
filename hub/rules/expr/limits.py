"""Budgets that keep a hostile or careless rule from hanging or exhausting the hub."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Compile-time and run-time budgets of one expression.

    Compile time: `max_length` characters of source, `max_nodes` syntax nodes, `max_depth`
    levels of nesting. Run time, per `evaluate` call: `max_steps` node evaluations (lambda
    bodies count once per item), `max_list_items` items in any one list a function or `in`
    walks, `max_string_length` characters in a string built by `+`, and integers of at most
    `max_int_digits` digits.
    """

    max_length: int = 10_000
    max_nodes: int = 500
    max_depth: int = 32
    max_steps: int = 100_000
    max_list_items: int = 10_000
    max_string_length: int = 100_000
    max_int_digits: int = 40


DEFAULT_LIMITS = Limits()
