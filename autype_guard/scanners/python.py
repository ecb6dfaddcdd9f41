"""The Python scanner: one libcst pass over a module that may hold a key.

Keys are located in the raw text (exact offsets for literals, docstrings and comments); the
libcst pass adds what surrounds each literal (assignment target, keyword argument, dict entry,
parameter default, `os.getenv` fallback) and joins keys split across implicitly concatenated
or `+`-concatenated literals and f-string parts. A file libcst cannot parse is scanned as text
and carries a note: it is never skipped.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable, Optional

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..keys import KeyHit, KeyMatcher
from . import KeyOccurrence, Segment, spelled_by
from .nesting import MAX_PARSE_DEPTH, nesting_depth
from .text import scan_text

_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True)
class _StringExpr:
    """A string expression: its offsets and its literal parts as (offset, raw, value,
    body offset, body): a part's code, its value, and where the text between its quotes
    starts and what it is (a string literal's body as written; an f-string's text part)."""

    start: int
    end: int
    # value None: an f-string hole
    parts: tuple[tuple[int, str, Optional[str], int, str], ...]
    context: str
    env_name: Optional[str]


def _line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    i = find("\n")
    while i != -1:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def scan_python(text: str, matcher: KeyMatcher) -> tuple[list[KeyOccurrence], list[str]]:
    """Keys in Python source with their context, and notes (e.g. parse fallback). Never raises.

    libcst only runs when there is something to place or join: a key in the raw text, or a
    literal ending in what may start a key split across literals. Otherwise (say `weak_ref`
    put the file past the prefilter) there is nothing to find and parsing is skipped.
    """
    plain = list(scan_text(text, matcher))
    if not plain and not matcher.has_open_key_start(text):
        # The byte prefilter also admits escape and base64 spellings and words such as
        # `weak_ref`, `'ak_gh'`: with no hit and no literal that ends in a key start and is
        # joined to the next, parsing finds nothing more.
        return plain, []
    if nesting_depth(text) > MAX_PARSE_DEPTH:
        return plain, [
            f"expressions nest deeper than {MAX_PARSE_DEPTH} (brackets or operator chains):"
            " not parsed with libcst, scanned as text"
        ]
    try:
        exprs = _collect_strings(text)
    except RecursionError:
        return plain, ["libcst could not parse this file (nesting too deep): scanned as text"]
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return plain, [f"libcst could not parse this file ({reason[:120]}): scanned as text"]
    return _attach(text, plain, exprs, matcher), []


def _attach(
    text: str, plain: list[KeyOccurrence], exprs: Sequence[_StringExpr], matcher: KeyMatcher
) -> list[KeyOccurrence]:
    starts = [e.start for e in exprs]
    out: list[KeyOccurrence] = []
    for occ in plain:
        i = bisect.bisect_right(starts, occ.hit.start) - 1
        expr = exprs[i] if i >= 0 and exprs[i].end >= occ.hit.end else None
        if expr is None:
            out.append(KeyOccurrence(occ.hit, "in a comment", None))
        else:
            out.append(KeyOccurrence(occ.hit, expr.context, expr.env_name))
    seen = {occ.hit.start for occ in out}
    for expr in exprs:
        if len(expr.parts) < 2:
            continue
        out.extend(_joined_keys(text, expr, matcher, seen))
    out.sort(key=lambda o: o.hit.start)
    return out


def _joined_keys(
    text: str, expr: _StringExpr, matcher: KeyMatcher, seen: set[int]
) -> list[KeyOccurrence]:
    """Keys that only appear once the literal parts of `expr` are joined."""
    joined = []
    owners: list[tuple[int, int, int, str]] = []  # (start in joined, part offset, len, raw)
    segments: list[Segment] = []
    pos = 0
    for offset, raw, value, body_start, body in expr.parts:
        piece = "\0" if value is None else value
        owners.append((pos, offset, len(piece), raw))
        segments.append(Segment(body_start, body if value is not None else None, piece))
        joined.append(piece)
        pos += len(piece)
    value = "".join(joined)
    found = []
    owner_starts = [o[0] for o in owners]
    for hit in matcher.find(value):
        first = bisect.bisect_right(owner_starts, hit.start) - 1
        last = bisect.bisect_right(owner_starts, hit.end - 1) - 1
        if first == last:
            continue  # inside one literal: the raw-text pass already found it
        # Where the literals spell the key verbatim, `pieces` say exactly where; otherwise
        # the key is placed at the first "ak_" of its first literal.
        pieces = spelled_by(segments, hit.start, hit.end)
        _, offset, _, raw = owners[first]
        inner = raw.find("ak_")
        start = pieces[0][0] if pieces else offset + (inner if inner >= 0 else 0)
        if start in seen:
            continue
        seen.add(start)
        # The span runs to the end of the last literal on the first line, so a key split on
        # one line is redacted as a whole in snippets, never shown in part.
        end = start
        for _, part_offset, _, part_raw in owners[first : last + 1]:
            if "\n" in text[start:part_offset]:
                break
            end = part_offset + len(part_raw.rstrip("'\""))
        found.append(
            KeyOccurrence(
                KeyHit(start, max(end, start + 3), hit.key, "joined"),
                expr.context,
                expr.env_name,
                joined=True,
                pieces=pieces,
                written_end=pieces[-1][1] if pieces else None,
            )
        )
    return found


def _collect_strings(text: str) -> list[_StringExpr]:
    module = cst.parse_module(text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    line_starts = _line_starts(text)

    def offset(node: cst.CSTNode, end: bool = False) -> int:
        pos = positions[node].end if end else positions[node].start
        return line_starts[pos.line - 1] + pos.column

    collector = _Collector(offset, module)
    wrapper.module.visit(collector)
    collector.exprs.sort(key=lambda e: e.start)
    return collector.exprs


def _name_of(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _name_of(node.value)
        return f"{base}.{node.attr.value}" if base else node.attr.value
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            return _literal(index.value)
    return None


def _literal(node: cst.SimpleString) -> Optional[str]:
    try:
        value = node.evaluated_value
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _is_env_lookup(func: cst.BaseExpression) -> bool:
    """`<x>.get`, `<x>.setdefault`, `<x>.getenv` or `getenv` (libcst's matchers would do, but
    importing them costs more than a pre-commit run's whole scan)."""
    if isinstance(func, cst.Attribute):
        return func.attr.value in ("get", "setdefault", "getenv")
    return isinstance(func, cst.Name) and func.value == "getenv"


def _env_for(name: Optional[str]) -> Optional[str]:
    if name is None:
        return None
    leaf = name.rsplit(".", 1)[-1]
    return leaf if _ENV_NAME.fullmatch(leaf) else None


_Context = tuple[str, Optional[str]]


class _Collector(cst.CSTVisitor):
    """Collects every top-level string expression with the context it sits in."""

    def __init__(self, offset: Callable[..., int], module: cst.Module) -> None:
        super().__init__()
        self.offset = offset
        self.module = module
        self.stack: list[_Context] = []
        self.exprs: list[_StringExpr] = []

    # --- contexts -------------------------------------------------------------------
    def _push(self, context: str, env: Optional[str]) -> None:
        self.stack.append((context, env))

    def _pop(self) -> None:
        self.stack.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        name = _name_of(node.targets[0].target)
        self._push(f"in assignment to {name}" if name else "in an assignment", _env_for(name))

    def leave_Assign(self, node: cst.Assign) -> None:
        self._pop()

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = _name_of(node.target)
        self._push(f"in assignment to {name}" if name else "in an assignment", _env_for(name))

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._pop()

    def visit_Param(self, node: cst.Param) -> None:
        name = node.name.value
        self._push(f"as the default of parameter {name}", _env_for(name))

    def leave_Param(self, node: cst.Param) -> None:
        self._pop()

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            name = node.keyword.value
            self._push(f"in keyword argument {name}", _env_for(name))
        else:
            self._push(*self._current())

    def leave_Arg(self, node: cst.Arg) -> None:
        self._pop()

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = _literal(node.key) if isinstance(node.key, cst.SimpleString) else None
        if key is not None and key.lower() == "x-api-key":
            self._push("in the X-API-Key header", None)
        elif key is not None:
            self._push(f"in dict entry {key!r}", _env_for(key))
        else:
            self._push(*self._current())

    def leave_DictElement(self, node: cst.DictElement) -> None:
        self._pop()

    def visit_Call(self, node: cst.Call) -> None:
        # os.environ.get("NAME", "ak_...") / os.getenv("NAME", "ak_..."): a fallback key.
        if (
            _is_env_lookup(node.func)
            and node.args
            and isinstance(node.args[0].value, cst.SimpleString)
        ):
            name = _literal(node.args[0].value)
            if name:
                self._push(f"as the fallback for environment variable {name}", name)
                return
        self._push(*self._current())

    def leave_Call(self, node: cst.Call) -> None:
        self._pop()

    def _current(self) -> _Context:
        return self.stack[-1] if self.stack else ("in a string literal", None)

    # --- strings --------------------------------------------------------------------
    def _record(self, node: cst.BaseExpression, parts: list[cst.CSTNode]) -> None:
        offset = self.offset
        records: list[tuple[int, str, Optional[str], int, str]] = []
        for part in parts:
            raw = self.module.code_for_node(part)
            start = offset(part)
            value: Optional[str]
            body_start, body = start, raw
            if isinstance(part, cst.SimpleString):
                value = _literal(part)
                body_start += len(part.prefix) + len(part.quote)
                body = part.raw_value
            elif isinstance(part, cst.FormattedStringText):
                value = part.value
            else:
                value = None
            records.append((start, raw, value, body_start, body))
        context, env = self._current()
        start = offset(node)
        end = offset(node, True)
        self.exprs.append(_StringExpr(start, end, tuple(records), context, env))

    def visit_Expr(self, node: cst.Expr) -> None:
        self._push("in a docstring or bare string", None)

    def leave_Expr(self, node: cst.Expr) -> None:
        self._pop()

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._record(node, [node])

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        self._record(node, _fstring_parts(node))
        return True

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        parts = _flatten(node)
        if parts is not None:
            self._record(node, parts)
            return False
        return True

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> bool:
        parts = _flatten(node)
        if parts is not None:
            self._record(node, parts)
            return False
        return True


def _fstring_parts(node: cst.FormattedString) -> list[cst.CSTNode]:
    return list(node.parts)


def _flatten(node: cst.BaseExpression) -> Optional[list[cst.CSTNode]]:
    """The literal leaves of a concatenation of strings, or None if anything else is in it."""
    if isinstance(node, cst.SimpleString):
        return [node]
    if isinstance(node, cst.FormattedString):
        return _fstring_parts(node)
    if isinstance(node, cst.ConcatenatedString) or (
        isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)
    ):
        left, right = _flatten(node.left), _flatten(node.right)
    else:
        return None
    if left is None or right is None:
        return None
    return left + right


__all__ = ["scan_python"]
