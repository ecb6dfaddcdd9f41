"""The Python scanner: one libcst pass over a module that may hold a key.

Keys are located in the raw text (exact offsets for literals, docstrings and comments); the
libcst pass adds what surrounds each literal (assignment target, keyword argument, dict entry,
parameter default, `os.getenv` fallback) and joins keys split across implicitly concatenated
or `+`-concatenated literals and f-string parts. A small, bounded constant evaluator
(`_Evaluator`) then finds keys that only exist once an expression over literals and names
bound once at module or class level is evaluated (`"".join([...])`, `.format`, `%`,
f-strings, `b"...".decode()`, `PREFIX + "..."`); such a key is reported at the expression
that completes it. A file libcst cannot parse is scanned as text and carries a note: it is
never skipped.
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Optional

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
        exprs, assembled = _collect_strings(text, matcher)
    except RecursionError:
        return plain, ["libcst could not parse this file (nesting too deep): scanned as text"]
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return plain, [f"libcst could not parse this file ({reason[:120]}): scanned as text"]
    return _attach(text, plain, exprs, matcher, assembled), []


def _attach(
    text: str,
    plain: list[KeyOccurrence],
    exprs: Sequence[_StringExpr],
    matcher: KeyMatcher,
    assembled: Sequence[_Assembled] = (),
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
    for a in assembled:
        # A key the literals already spell inside this expression is reported there.
        if any(a.start <= o.hit.start < a.end and o.hit.key == a.key for o in out):
            continue
        hit = KeyHit(a.start, a.end, a.key, "assembled")
        out.append(KeyOccurrence(hit, a.context, a.env_name, joined=True))
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


@dataclass(frozen=True)
class _Assembled:
    """A key that only exists once an expression is evaluated (see `_Evaluator`)."""

    start: int
    end: int
    key: str
    value: str
    context: str
    env_name: Optional[str]


def _collect_strings(
    text: str, matcher: Optional[KeyMatcher] = None
) -> tuple[list[_StringExpr], list[_Assembled]]:
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
    return collector.exprs, _assembled_keys(collector, offset, matcher)


def _assembled_keys(
    collector: _Collector, offset: Callable[..., int], matcher: Optional[KeyMatcher]
) -> list[_Assembled]:
    """The keys completed by an expression the evaluator knows: the key is in the value of
    the expression but in none of its operands' values. `matcher` None: every evaluated
    value holding "ak" (for the fixer)."""
    evaluator = _Evaluator(collector.consts)
    found = []
    # Inner expressions first: they were collected after the ones around them, so each
    # evaluation finds its operands memoized and recursion stays shallow.
    for node, (context, env) in reversed(collector.assembled):
        value = evaluator.value(node)
        if value is None or "ak" not in value:
            continue
        keys = [value] if matcher is None else [hit.key for hit in matcher.find(value)]
        if not keys:
            continue
        operands = [v for v in evaluator.operands(node) if v]
        for key in keys:
            if any(key in v for v in operands):
                continue
            found.append(_Assembled(offset(node), offset(node, True), key, value, context, env))
    found.sort(key=lambda a: a.start)
    return found


def assembled_values(text: str) -> dict[tuple[int, int], str]:
    """The value of every expression in `text` the scanner may report as assembling a key,
    by its offsets (for the fixer: an expression whose value is exactly the key can be
    replaced as a whole). Raises what libcst raises."""
    _, assembled = _collect_strings(text)
    return {(a.start, a.end): a.value for a in assembled}


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
        self.consts = _Constants()
        # Expressions that may assemble a key from literals and constant names (see
        # `_Constants`), with their context; evaluated once the whole module is seen.
        self.assembled: list[tuple[cst.BaseExpression, _Context]] = []
        self.scopes: list[str] = ["module"]

    def _assembling_chain(self, node: cst.BaseExpression) -> None:
        """A chain of literals with f-string holes (not visited further): each of its
        links may complete a key."""
        context = self._current()
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, (cst.ConcatenatedString, cst.BinaryOperation)):
                self.assembled.append((item, context))
                stack.extend((item.right, item.left))
            elif isinstance(item, cst.FormattedString):
                self.assembled.append((item, context))

    # --- names bound once at module or class level ----------------------------------
    def _bind(self, target: cst.CSTNode, value: Optional[cst.BaseExpression] = None) -> None:
        at_top = all(scope in ("module", "class") for scope in self.scopes)
        self.consts.bind(target, value if at_top else None)

    def _enter(self, scope: str) -> None:
        self.scopes.append(scope)

    def _leave_scope(self) -> None:
        self.scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(node.name)
        self._enter("function")

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._leave_scope()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._enter("function")

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self._leave_scope()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind(node.name)
        self._enter("class")

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._leave_scope()

    def visit_For(self, node: cst.For) -> None:
        self._enter("loop")
        self._bind(node.target)

    def leave_For(self, node: cst.For) -> None:
        self._leave_scope()

    def visit_While(self, node: cst.While) -> None:
        self._enter("loop")

    def leave_While(self, node: cst.While) -> None:
        self._leave_scope()

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bind(node.name)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is None:
            self._bind(cst.Name(_dotted_head(node.name)))

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.consts.poison(item.name.value)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.consts.poison(item.name.value)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind(node.target)

    # --- contexts -------------------------------------------------------------------
    def _push(self, context: str, env: Optional[str]) -> None:
        self.stack.append((context, env))

    def _pop(self) -> None:
        self.stack.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)
        name = _name_of(node.targets[0].target)
        self._push(f"in assignment to {name}" if name else "in an assignment", _env_for(name))

    def leave_Assign(self, node: cst.Assign) -> None:
        self._pop()

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target, node.value)
        name = _name_of(node.target)
        self._push(f"in assignment to {name}" if name else "in an assignment", _env_for(name))

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._pop()

    def visit_Param(self, node: cst.Param) -> None:
        self._bind(node.name)
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
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in _ASSEMBLING_CALLS:
            self.assembled.append((node, self._current()))
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
        parts = _fstring_parts(node)
        self._record(node, parts)
        if any(isinstance(p, cst.FormattedStringExpression) for p in parts):
            self.assembled.append((node, self._current()))
        return True

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        parts = _flatten(node)
        if parts is not None:
            self._record(node, parts)
            if any(isinstance(p, cst.FormattedStringExpression) for p in parts):
                self._assembling_chain(node)
            return False
        return True

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> bool:
        parts = _flatten(node)
        if parts is not None:
            self._record(node, parts)
            if any(isinstance(p, cst.FormattedStringExpression) for p in parts):
                self._assembling_chain(node)
            return False
        if isinstance(node.operator, (cst.Add, cst.Modulo)):
            self.assembled.append((node, self._current()))
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


def _dotted_head(node: cst.BaseExpression) -> str:
    """`a` of `import a.b.c` (the name that import binds)."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else ""


def _target_names(node: cst.CSTNode) -> list[str]:
    """The plain names an assignment target binds (`a`, `a, *b`, `[a, (b, c)]`)."""
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        return [name for el in node.elements for name in _target_names(el.value)]
    if isinstance(node, cst.StarredElement):
        return _target_names(node.value)
    return []


class _Constants:
    """Names bound exactly once in the module, by a plain assignment at module or class
    level outside any loop (`PREFIX = "ak_"`). Every other binding of a name (a second
    assignment, `+=`, a loop or comprehension target, a parameter, an import, `def`, `del`,
    `global`) makes it not constant."""

    def __init__(self) -> None:
        self.count: dict[str, int] = {}
        self.value: dict[str, cst.BaseExpression] = {}

    def bind(self, target: cst.CSTNode, value: Optional[cst.BaseExpression]) -> None:
        for name in _target_names(target):
            self.count[name] = self.count.get(name, 0) + 1
        if value is not None and isinstance(target, cst.Name):
            self.value[target.value] = value

    def poison(self, name: str) -> None:
        self.count[name] = 2

    def get(self, name: str) -> Optional[cst.BaseExpression]:
        return self.value.get(name) if self.count.get(name) == 1 else None


# Calls that may assemble a string from constants: `"".join([...])`, `"{}{}".format(...)`,
# `b"...".decode()`.
_ASSEMBLING_CALLS = frozenset(("join", "format", "decode"))
# Bounds of the constant evaluator: how deep one evaluation may recurse (names, operands),
# how many nodes a module may evaluate in all, and the longest value kept.
_MAX_EVAL_DEPTH = 48
_MAX_EVAL_WORK = 50_000
_MAX_VALUE = 4096
# A `%` format whose only conversions are `%s` (and `%%`).
_PERCENT_S = re.compile(r"(?:[^%]|%%|%s)*")
_CODECS = frozenset(("utf-8", "utf8", "ascii", "latin-1", "latin1"))


class _Evaluator:
    """The value of a string expression built from literals and constant names, or None.

    Knows literals (not bytes), implicit and `+` concatenation, f-strings whose holes are
    such expressions, `%` with `%s` conversions, `sep.join([...])` / `sep.join((...))`,
    `fmt.format(...)` with plain fields, and `b"...".decode()`. Bounded by
    `_MAX_EVAL_DEPTH` and `_MAX_EVAL_WORK`; results are memoized per node.
    """

    def __init__(self, consts: _Constants) -> None:
        self.consts = consts
        self.memo: dict[int, Optional[str]] = {}
        self.work = 0

    def value(self, node: cst.CSTNode, depth: int = 0) -> Optional[str]:
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        if depth > _MAX_EVAL_DEPTH or self.work > _MAX_EVAL_WORK:
            return None
        self.work += 1
        result = self._compute(node, depth + 1)
        if result is not None and len(result) > _MAX_VALUE:
            result = None
        self.memo[key] = result
        return result

    def _compute(self, node: cst.CSTNode, depth: int) -> Optional[str]:
        if isinstance(node, cst.SimpleString):
            return _literal(node)
        if isinstance(node, cst.Name):
            bound = self.consts.get(node.value)
            return None if bound is None else self.value(bound, depth)
        if isinstance(node, cst.ConcatenatedString) or (
            isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)
        ):
            left = self.value(node.left, depth)
            right = None if left is None else self.value(node.right, depth)
            return None if left is None or right is None else left + right
        if isinstance(node, cst.FormattedString):
            return self._fstring(node, depth)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
            return self._percent(node, depth)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            if method == "join":
                return self._join(node, depth)
            if method == "format":
                return self._format(node, depth)
            if method == "decode":
                return _decoded(node)
        return None

    def _values(self, nodes: Sequence[cst.CSTNode], depth: int) -> Optional[list[str]]:
        out = []
        for node in nodes:
            value = self.value(node, depth)
            if value is None:
                return None
            out.append(value)
        return out

    def _fstring(self, node: cst.FormattedString, depth: int) -> Optional[str]:
        raw = "r" in node.prefix.lower()
        out = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                if "\\" in part.value and not raw:
                    return None
                out.append(part.value.replace("{{", "{").replace("}}", "}"))
                continue
            if not isinstance(part, cst.FormattedStringExpression):
                return None
            if part.format_spec or part.conversion not in (None, "s"):
                return None
            value = self.value(part.expression, depth)
            if value is None:
                return None
            out.append(value)
        return "".join(out)

    def _percent(self, node: cst.BinaryOperation, depth: int) -> Optional[str]:
        fmt = self.value(node.left, depth)
        if fmt is None or _PERCENT_S.fullmatch(fmt) is None:
            return None
        right = node.right
        items = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
        args = self._values(items, depth)
        if args is None:
            return None
        try:
            return fmt % tuple(args)
        except (TypeError, ValueError):
            return None

    def _join(self, node: cst.Call, depth: int) -> Optional[str]:
        assert isinstance(node.func, cst.Attribute)
        if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            return None
        seq = node.args[0].value
        if not isinstance(seq, (cst.List, cst.Tuple)) or any(
            isinstance(e, cst.StarredElement) for e in seq.elements
        ):
            return None
        sep = self.value(node.func.value, depth)
        parts = None if sep is None else self._values([e.value for e in seq.elements], depth)
        return None if sep is None or parts is None else sep.join(parts)

    def _format(self, node: cst.Call, depth: int) -> Optional[str]:
        assert isinstance(node.func, cst.Attribute)
        fmt = self.value(node.func.value, depth)
        if fmt is None or any(arg.star for arg in node.args) or not _plain_fields(fmt):
            return None
        args = self._values([a.value for a in node.args if a.keyword is None], depth)
        named = [a for a in node.args if a.keyword is not None]
        values = self._values([a.value for a in named], depth)
        if args is None or values is None:
            return None
        kwargs = {
            a.keyword.value: v for a, v in zip(named, values, strict=True) if a.keyword is not None
        }
        try:
            return fmt.format(*args, **kwargs)
        except (IndexError, KeyError, ValueError):
            return None

    def operands(self, node: cst.CSTNode) -> list[Optional[str]]:
        """The values of the parts `node` is assembled from (a key in one of them was
        completed there, not by `node`)."""
        parts: list[cst.CSTNode]
        if isinstance(node, (cst.ConcatenatedString, cst.BinaryOperation)):
            parts = [node.left, node.right]
            if isinstance(node.right, cst.Tuple):
                parts.extend(e.value for e in node.right.elements)
        elif isinstance(node, cst.FormattedString):
            parts = [
                p.expression if isinstance(p, cst.FormattedStringExpression) else p
                for p in node.parts
            ]
            return [
                p.value if isinstance(p, cst.FormattedStringText) else self.value(p) for p in parts
            ]
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value == "decode":
                return list(_decoded_pieces(node) or ())
            parts = [node.func.value]
            for arg in node.args:
                seq = arg.value
                if isinstance(seq, (cst.List, cst.Tuple)):
                    parts.extend(e.value for e in seq.elements)
                else:
                    parts.append(seq)
        else:
            return []
        return [self.value(p) for p in parts]


def _plain_fields(fmt: str) -> bool:
    """Whether every replacement field of `fmt` is `{}`, `{0}` or `{name}` (no attribute,
    index, conversion other than `!s`, or format spec)."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return False
    for _, field, spec, conversion in fields:
        if field is None:
            continue
        if spec or conversion not in (None, "s"):
            return False
        if field and not field.isdigit() and not field.isidentifier():
            return False
    return True


def _decoded(node: cst.Call) -> Optional[str]:
    """`b"...".decode()` (or `.decode("utf-8")`) of a bytes literal or bytes literals joined
    implicitly or with `+` (`(b"ak_" + b"...").decode()`)."""
    pieces = _decoded_pieces(node)
    return None if pieces is None else "".join(pieces)


def _decoded_pieces(node: cst.Call) -> Optional[list[str]]:
    """The bytes literals that `node` (`<literals>.decode(...)`) decodes, each decoded."""
    assert isinstance(node.func, cst.Attribute)
    codec = "utf-8"
    if len(node.args) > 1 or any(a.keyword is not None for a in node.args):
        return None
    if node.args:
        arg = node.args[0].value
        named = _literal(arg) if isinstance(arg, cst.SimpleString) else None
        if named is None or named.lower() not in _CODECS:
            return None
        codec = named
    pieces: list[str] = []
    stack: list[cst.BaseExpression] = [node.func.value]
    while stack:
        item = stack.pop()
        if isinstance(item, cst.ConcatenatedString) or (
            isinstance(item, cst.BinaryOperation) and isinstance(item.operator, cst.Add)
        ):
            stack.extend((item.right, item.left))
            continue
        if not isinstance(item, cst.SimpleString):
            return None
        try:
            value = item.evaluated_value
            if not isinstance(value, bytes):
                return None
            pieces.append(value.decode(codec))
        except Exception:
            return None
    return pieces


__all__ = ["scan_python"]
