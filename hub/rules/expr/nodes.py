"""The syntax tree of an expression: small immutable nodes that remember their source span."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

LiteralValue = int | Decimal | str | bool | None


@dataclass(frozen=True, eq=False)
class Node:
    """Base of all nodes; `start`/`end` are character offsets into the source (end exclusive)."""

    start: int
    end: int


@dataclass(frozen=True, eq=False)
class Literal(Node):
    """A number (int or Decimal), string, boolean or null."""

    value: LiteralValue


@dataclass(frozen=True, eq=False)
class ListLiteral(Node):
    """`[a, b, c]`."""

    items: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Name(Node):
    """A variable of the schema or a lambda parameter."""

    name: str


@dataclass(frozen=True, eq=False)
class Attribute(Node):
    """`target.name`; `name_start` is where the field name begins (for error carets)."""

    target: Node
    name: str
    name_start: int


@dataclass(frozen=True, eq=False)
class Index(Node):
    """`target[index]`: a list position (0-based, negative counts from the end) or a map key."""

    target: Node
    index: Node


@dataclass(frozen=True, eq=False)
class Unary(Node):
    """`-x` or `not x`."""

    op: str
    operand: Node


@dataclass(frozen=True, eq=False)
class Binary(Node):
    """Arithmetic (`+ - * /`), comparison (`== != < <= > >=`) or membership (`in`, `not in`)."""

    op: str
    left: Node
    right: Node
    op_start: int


@dataclass(frozen=True, eq=False)
class Logical(Node):
    """`a and b and c` or `a or b or c`, flattened into one node per chain."""

    op: str
    operands: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Lambda(Node):
    """`x -> body`, only allowed as an argument of a function that walks a list."""

    param: str
    body: Node


@dataclass(frozen=True, eq=False)
class Call(Node):
    """`name(args...)` of one of the built-in functions."""

    name: str
    args: tuple[Node, ...]


ARITHMETIC = frozenset({"+", "-", "*", "/"})
EQUALITY = frozenset({"==", "!="})
ORDERING = frozenset({"<", "<=", ">", ">="})
MEMBERSHIP = frozenset({"in", "not in"})
COMPARISON = EQUALITY | ORDERING | MEMBERSHIP


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of `node`, in source order."""
    if isinstance(node, ListLiteral):
        return node.items
    if isinstance(node, Attribute):
        return (node.target,)
    if isinstance(node, Index):
        return (node.target, node.index)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Logical):
        return node.operands
    if isinstance(node, Lambda):
        return (node.body,)
    if isinstance(node, Call):
        return node.args
    return ()


def count_nodes(node: Node) -> int:
    """How many nodes the tree rooted at `node` has."""
    total, stack = 0, [node]
    while stack:
        current = stack.pop()
        total += 1
        stack.extend(children(current))
    return total
