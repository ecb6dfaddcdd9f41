"""The Python fix: a libcst codemod that replaces key literals with environment lookups.

Given a module's text and the keys to move (character offsets as the scanner reports them),
`fix_python` rewrites only the nodes that hold a key; libcst keeps every other byte
(comments, quotes, line endings, encoding declaration). Shapes:

- a literal that is exactly the key (module constant, annotated assignment, class attribute,
  keyword argument, dict entry, implicit or `+` concatenation of literals that spells the
  key): `os.environ["NAME"]` (a bytes literal: `os.environ["NAME"].encode()`);
- a key inside a longer string or an f-string: an f-string hole `{os.environ['NAME']}`
  (the quote differs from the string's, so it parses before Python 3.12);
- a parameter default: the default becomes `None` (annotation `Optional[...]`) and the body
  starts with `if param is None: param = <default>`;
- `os.environ.get("NAME", "ak_...")` / `os.getenv("NAME", "ak_...")`: the literal fallback
  is dropped; the key is stored under NAME, the name the code already reads;
- comments, docstrings and bare strings: the key becomes the docs placeholder.
- an expression the scanner evaluated to the key (`PREFIX + "..."`, `"".join([...])`,
  `"{}{}".format(...)`): the whole expression becomes the lookup; one that builds more than
  the key, or a parameter default, is left with a reason.

`import os` is added once through `AddImportsVisitor.add_needed_import` (after the module
docstring and `from __future__` imports), unless `import os`, `import os as x` or
`from os import environ` already provides the lookup. A key with no safe edit (a lambda
default, a match pattern, inside an f-string expression, a default that refers to other
names, a module-level use before the existing `import os`) is left as it is with a reason.
The result must parse and, when the original compiles, compile; otherwise nothing changes.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Optional, TypeVar, Union, cast

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import PositionProvider

from ..keys import DOCS_PLACEHOLDER
from ..scanners.nesting import MAX_PARSE_DEPTH, nesting_depth
from ..scanners.python import assembled_values
from .target import FileFix, Outcome, Target

_Leaf = Union[cst.SimpleString, cst.FormattedString]
_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)


def _leaves(node: cst.BaseExpression) -> Optional[list[_Leaf]]:
    """The literal leaves of a string expression (the scanner's notion: literals joined
    implicitly or with `+`), or None if anything else is part of it."""
    if isinstance(node, (cst.SimpleString, cst.FormattedString)):
        return [node]
    if isinstance(node, cst.ConcatenatedString) or (
        isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)
    ):
        left, right = _leaves(node.left), _leaves(node.right)
        if left is None or right is None:
            return None
        return left + right
    return None


def _simple_value(leaf: cst.SimpleString) -> Union[str, bytes, None]:
    try:
        value = leaf.evaluated_value
    except Exception:
        return None
    return value if isinstance(value, (str, bytes)) else None


def _whole_value(leaves: Sequence[_Leaf]) -> Union[str, bytes, None]:
    """The value of a string expression without f-string holes, or None."""
    values: list[Union[str, bytes]] = []
    for leaf in leaves:
        if isinstance(leaf, cst.SimpleString):
            value = _simple_value(leaf)
            if value is None:
                return None
            values.append(value)
        else:
            texts = []
            for part in leaf.parts:
                if not isinstance(part, cst.FormattedStringText):
                    return None
                texts.append(part.value.replace("{{", "{").replace("}}", "}"))
            values.append("".join(texts))
    if all(isinstance(v, str) for v in values):
        return "".join(v for v in values if isinstance(v, str))
    if all(isinstance(v, bytes) for v in values):
        return b"".join(v for v in values if isinstance(v, bytes))
    return None


_Quote = Literal['"', "'", '"""', "'''"]


def _quote_of(leaf: _Leaf) -> _Quote:
    return leaf.quote if isinstance(leaf, cst.SimpleString) else leaf.end


def _other_quote(quote: str) -> str:
    return "'" if quote.startswith('"') else '"'


# A line break as libcst counts lines for positions: CRLF, LF, or a lone CR.
_LINE_BREAK = re.compile(r"\r\n?|\n")


def _line_starts(text: str) -> list[int]:
    """Offsets where libcst's lines start, to turn its positions into offsets."""
    return [0, *(m.end() for m in _LINE_BREAK.finditer(text))]


# --- the codemod ---------------------------------------------------------------------------


@dataclass
class _LeafEdit:
    """Cuts in one leaf: (start, end, target or None) in file offsets. A target: the range
    becomes an f-string hole reading that target's variable; None: the range is deleted
    (the later pieces of a key split across literals)."""

    leaf: _Leaf
    cuts: list[tuple[int, int, Optional[Target]]] = field(default_factory=list)


class KeyToEnvironment(VisitorBasedCodemodCommand):
    """Replaces the given key literals with environment lookups (see the module docstring)."""

    DESCRIPTION = "Move Autype API keys from literals into environment variables."
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, context: CodemodContext, text: str, targets: Sequence[Target]) -> None:
        super().__init__(context)
        self.line_starts = _line_starts(text)
        self.targets = sorted(targets, key=lambda t: t.start)
        self.starts = [t.start for t in self.targets]
        self.pending = {t.start for t in self.targets}
        self.outcomes: dict[int, Outcome] = {}
        self.blocked: list[tuple[int, int, str]] = []
        self.replacements: dict[int, cst.BaseExpression] = {}  # id(original node) -> new
        self.claimed: set[int] = set()  # target starts a fallback call handles
        self.fallbacks: dict[int, tuple[int, str, list[Target]]] = {}
        self.param_moves: dict[int, list[int]] = {}  # id(FunctionDef) -> param indexes
        self.docs_nodes: set[int] = set()
        self.deferred: list[tuple[int, int]] = []  # param defaults moved into bodies
        self.depth = 0  # function/lambda nesting: code there runs later
        self.accessor = "os.environ"
        self.import_offset: Optional[int] = None  # where the reused import sits
        self.needs_os_import = False
        self.needs_optional = False
        # Keys assembled by an expression (the scanner's constant evaluator): by the
        # expression's offsets; the expression is replaced whole when its value is the key.
        self.assembled = {(t.start, t.end): t for t in self.targets if t.encoding == "assembled"}
        self.assembled_values = assembled_values(text) if self.assembled else {}
        self.os_names = {"os"}
        self.environ_names = {"environ"}
        self.getenv_names = {"getenv"}
        self.rebound: Optional[str] = None  # why the lookup's name cannot be trusted

    # --- positions ------------------------------------------------------------------------
    def _range(self, node: cst.CSTNode) -> tuple[int, int]:
        pos = self.get_metadata(PositionProvider, node)
        return (
            self.line_starts[pos.start.line - 1] + pos.start.column,
            self.line_starts[pos.end.line - 1] + pos.end.column,
        )

    def _pending_in(self, start: int, end: int) -> list[Target]:
        lo = bisect.bisect_left(self.starts, start)
        out = []
        for t in self.targets[lo:]:
            if t.start >= end:
                break
            if t.encoding == "assembled":
                continue  # replaced whole, or not at all (see `on_visit`)
            if t.start in self.pending and t.start not in self.claimed and t.end <= end:
                out.append(t)
        return out

    def _done(self, target: Target, outcome: Outcome) -> None:
        self.pending.discard(target.start)
        self.outcomes[target.start] = outcome

    def _skip(self, target: Target, reason: str) -> None:
        self._done(target, Outcome(False, reason=reason))

    def _block(self, node: cst.CSTNode, reason: str) -> None:
        start, end = self._range(node)
        self.blocked.append((start, end, reason))

    def _blocked_reason(self, target: Target) -> Optional[str]:
        for start, end, reason in self.blocked:
            if start <= target.start < end:
                return reason
        return None

    def _lookup_code(self, name: str, quote: str) -> str:
        return f"{self.accessor}[{quote}{name}{quote}]"

    def _check_runs_after_import(self, target: Target) -> Optional[str]:
        if self.import_offset is None or target.start >= self.import_offset:
            return None
        if self.depth > 0 or any(s <= target.start < e for s, e in self.deferred):
            return None
        return "it is used at module level before the file's `import os`; move the import up"

    # --- module: which lookup to use -------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        found: dict[str, tuple[str, int]] = {}  # kind -> (accessor, offset)
        for stmt in node.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            offset = self._range(stmt)[0]
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        dotted = cst.helpers.get_full_name_for_node(alias.name) or ""
                        asname = alias.asname
                        if asname is None and (dotted == "os" or dotted.startswith("os.")):
                            found.setdefault("import", ("os.environ", offset))
                        elif dotted == "os" and asname is not None:
                            bound = cst.helpers.get_full_name_for_node(asname.name) or ""
                            self.os_names.add(bound)
                            found.setdefault("alias", (f"{bound}.environ", offset))
                elif (
                    isinstance(small, cst.ImportFrom)
                    and not small.relative
                    and small.module is not None
                    and cst.helpers.get_full_name_for_node(small.module) == "os"
                    and not isinstance(small.names, cst.ImportStar)
                ):
                    for alias in small.names:
                        name = cst.helpers.get_full_name_for_node(alias.name) or ""
                        bound = (
                            cst.helpers.get_full_name_for_node(alias.asname.name) or name
                            if alias.asname is not None
                            else name
                        )
                        if name == "environ":
                            self.environ_names.add(bound)
                            found.setdefault("from", (bound, offset))
                        elif name == "getenv":
                            self.getenv_names.add(bound)
        for kind in ("import", "alias", "from"):
            if kind in found:
                self.accessor, self.import_offset = found[kind]
                break
        else:
            self.accessor = "os.environ"
            self.import_offset = None
        root = self.accessor.split(".", 1)[0]
        if root in _rebound_names(node):
            self.rebound = f"the module rebinds `{root}`, so `{self.accessor}` is not safe here"

    # --- places where no edit is safe ------------------------------------------------------
    def visit_Lambda(self, node: cst.Lambda) -> None:
        for param in _all_params(node.params):
            if param.default is not None:
                self._block(param.default, "a lambda default has no body to read it in")

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self._block(node, "it is part of a type annotation")

    def visit_MatchCase(self, node: cst.MatchCase) -> None:
        self._block(node.pattern, "it is a match pattern")

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        self._block(node, "it is inside an f-string expression")

    # --- parameter defaults -----------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        moves = []
        for index, param in enumerate(_all_params(node.params)):
            if param.default is None:
                continue
            start, end = self._range(param.default)
            if any(start <= a <= b <= end for a, b in self.assembled):
                self._block(param.default, "it is a parameter default assembled by an expression")
            if not self._pending_in(start, end):
                continue
            names = {n.value for n in m.findall(param.default, m.Name()) if isinstance(n, cst.Name)}
            if names - {"True", "False", "None"}:
                self._block(
                    param.default,
                    "the default refers to other names; moving it into the body could"
                    " change what it means",
                )
                continue
            moves.append(index)
            self.deferred.append((start, end))
        if moves:
            self.param_moves[id(node)] = moves

    # Code in a function body runs when called, after every module-level import.
    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_Lambda_body(self, node: cst.Lambda) -> None:
        self.depth += 1

    def leave_Lambda_body(self, node: cst.Lambda) -> None:
        self.depth -= 1

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        moves = self.param_moves.get(id(original_node))
        if not moves:
            return updated_node
        params = list(_all_params(updated_node.params))
        checks: list[cst.BaseStatement] = []
        replaced: dict[int, cst.Param] = {}
        for index in moves:
            param = params[index]
            if param.default is None or param.default.deep_equals(
                _all_params(original_node.params)[index].default or cst.Name("None")
            ):
                continue  # nothing inside was fixed
            name = param.name.value
            annotation = param.annotation
            if annotation is not None and not _is_optional(annotation.annotation):
                annotation = annotation.with_changes(
                    annotation=cst.Subscript(
                        value=cst.Name("Optional"),
                        slice=[cst.SubscriptElement(cst.Index(annotation.annotation))],
                    )
                )
                self.needs_optional = True
            replaced[index] = param.with_changes(default=cst.Name("None"), annotation=annotation)
            checks.append(
                cst.If(
                    test=cst.Comparison(
                        left=cst.Name(name),
                        comparisons=[
                            cst.ComparisonTarget(operator=cst.Is(), comparator=cst.Name("None"))
                        ],
                    ),
                    body=cst.IndentedBlock(
                        body=[
                            cst.SimpleStatementLine(
                                body=[
                                    cst.Assign(
                                        targets=[cst.AssignTarget(target=cst.Name(name))],
                                        value=_strip_parens(param.default),
                                    )
                                ]
                            )
                        ]
                    ),
                )
            )
        if not checks:
            return updated_node
        new_params = _replace_params(updated_node.params, replaced)
        body = updated_node.body
        if isinstance(body, cst.IndentedBlock):
            statements = list(body.body)
            at = 1 if statements and _is_docstring(statements[0]) else 0
            new_body = body.with_changes(body=[*statements[:at], *checks, *statements[at:]])
        elif isinstance(body, cst.SimpleStatementSuite):
            new_body = cst.IndentedBlock(
                header=body.trailing_whitespace,
                body=[*checks, cst.SimpleStatementLine(body=body.body)],
            )
        else:
            return updated_node
        return updated_node.with_changes(params=new_params, body=new_body)

    # --- os.environ.get("NAME", "ak_...") ---------------------------------------------------
    def _is_env_getter(self, func: cst.BaseExpression) -> bool:
        if isinstance(func, cst.Name):
            return func.value in self.getenv_names
        if not isinstance(func, cst.Attribute):
            return False
        attr = func.attr.value
        base = func.value
        if attr == "getenv":
            return isinstance(base, cst.Name) and base.value in self.os_names
        if attr != "get":
            return False
        if isinstance(base, cst.Name):
            return base.value in self.environ_names
        return (
            isinstance(base, cst.Attribute)
            and base.attr.value == "environ"
            and isinstance(base.value, cst.Name)
            and base.value.value in self.os_names
        )

    def visit_Call(self, node: cst.Call) -> None:
        if not self._is_env_getter(node.func) or len(node.args) != 2:
            return
        first, second = node.args
        if first.keyword is not None or not isinstance(first.value, cst.SimpleString):
            return
        if second.keyword is not None and second.keyword.value != "default":
            return
        start, end = self._range(second.value)
        targets = self._pending_in(start, end)
        if not targets:
            return
        name = _simple_value(first.value)
        leaves = _leaves(second.value)
        value = _whole_value(leaves) if leaves is not None else None
        if not isinstance(name, str) or len(targets) != 1 or value != targets[0].key:
            self._block(second.value, "it is part of a longer fallback value")
            return
        self.claimed.add(targets[0].start)
        self.fallbacks[id(node)] = (1, name, targets)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        fallback = self.fallbacks.get(id(original_node))
        if fallback is None:
            return updated_node
        index, name, targets = fallback
        (target,) = targets
        if target.name is None:
            self._done(target, Outcome(False, reason="no variable name", reads=name))
            return updated_node
        if target.name != name:
            self._done(target, Outcome(False, reason=f"the code reads {name}", reads=name))
            return updated_node
        args = list(updated_node.args)
        removed = args.pop(index)
        args[index - 1] = args[index - 1].with_changes(comma=removed.comma)
        new = updated_node.with_changes(args=args)
        code = self.module.code_for_node(new)
        self._done(target, Outcome(True, replacement=code, reads=name))
        return new

    # --- keys assembled by an expression --------------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.assembled and isinstance(node, cst.BaseExpression):
            target = self.assembled.get(self._range(node))
            if (
                target is not None
                and target.start in self.pending
                and self._assembled(node, target)
            ):
                return False  # replaced whole: nothing inside needs an edit
        return super().on_visit(node)

    def on_leave(
        self, original_node: _NodeT, updated_node: _NodeT
    ) -> Union[_NodeT, cst.RemovalSentinel]:
        new = super().on_leave(original_node, updated_node)
        replacement = self.replacements.get(id(original_node))
        return new if replacement is None else cast(_NodeT, replacement)

    def _assembled(self, node: cst.BaseExpression, target: Target) -> bool:
        """Replace an expression that assembles exactly the key with the lookup; True when
        it will be replaced."""
        reason = self._blocked_reason(target)
        if reason is None and target.name is None:
            reason = "no variable name"
        if reason is None:
            reason = self.rebound or self._check_runs_after_import(target)
        if reason is None and self.assembled_values.get((target.start, target.end)) != target.key:
            reason = "the expression builds more than the key; move the key by hand"
        if reason is not None:
            self._skip(target, reason)
            return False
        assert target.name is not None
        code = self._lookup_code(target.name, '"')
        new = cst.parse_expression(code)
        if "\n" not in self.module.code_for_node(node):
            new = new.with_changes(lpar=node.lpar, rpar=node.rpar)
        else:
            new = new.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        self._fixed(target, code)
        self.replacements[id(node)] = new
        return True

    # --- docstrings, bare strings and comments ----------------------------------------------
    def visit_Expr(self, node: cst.Expr) -> None:
        if _leaves(node.value) is not None:
            self.docs_nodes.add(id(node.value))

    def leave_Comment(self, original_node: cst.Comment, updated_node: cst.Comment) -> cst.Comment:
        start, end = self._range(original_node)
        targets = self._pending_in(start, end)
        if not targets:
            return updated_node
        value = original_node.value
        for target in reversed(targets):
            a, b = target.start - start, target.end - start
            value = value[:a] + DOCS_PLACEHOLDER + value[b:]
            self._done(target, Outcome(True, replacement=DOCS_PLACEHOLDER, docs=True))
        return updated_node.with_changes(value=value)

    # --- string expressions -------------------------------------------------------------------
    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._string_expression(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        return not self._string_expression(node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        return not self._string_expression(node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> bool:
        if _leaves(node) is None:
            return True
        return not self._string_expression(node)

    def _leave_string(
        self, original_node: cst.BaseExpression, updated_node: cst.BaseExpression
    ) -> cst.BaseExpression:
        return self.replacements.get(id(original_node), updated_node)

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.BaseExpression:
        return self._leave_string(original_node, updated_node)

    def leave_FormattedString(
        self, original_node: cst.FormattedString, updated_node: cst.FormattedString
    ) -> cst.BaseExpression:
        return self._leave_string(original_node, updated_node)

    def leave_ConcatenatedString(
        self, original_node: cst.ConcatenatedString, updated_node: cst.ConcatenatedString
    ) -> cst.BaseExpression:
        return self._leave_string(original_node, updated_node)

    def leave_BinaryOperation(
        self, original_node: cst.BinaryOperation, updated_node: cst.BinaryOperation
    ) -> cst.BaseExpression:
        return self._leave_string(original_node, updated_node)

    def _string_expression(self, node: cst.BaseExpression) -> bool:
        """Plan the edits of one string expression; True when it will be replaced."""
        leaves = _leaves(node)
        if leaves is None:
            return False
        start, end = self._range(node)
        targets = self._pending_in(start, end)
        if not targets:
            return False
        usable = []
        for target in targets:
            reason = self._blocked_reason(target)
            if reason is None and target.name is None and id(node) not in self.docs_nodes:
                reason = "no variable name"
            if reason is None and id(node) not in self.docs_nodes:
                reason = self.rebound or self._check_runs_after_import(target)
            if reason is not None:
                self._skip(target, reason)
            else:
                usable.append(target)
        if not usable:
            return False
        if id(node) in self.docs_nodes:
            new = self._docs_expression(node, leaves, usable)
        else:
            new = self._code_expression(node, leaves, usable)
        if new is None:
            return False
        self.replacements[id(node)] = new
        return True

    def _docs_expression(
        self, node: cst.BaseExpression, leaves: list[_Leaf], targets: list[Target]
    ) -> Optional[cst.BaseExpression]:
        edits: dict[int, _LeafEdit] = {}
        for target in targets:
            located = None if target.joined else self._locate(leaves, target)
            if located is None:
                self._skip(target, "it is split across literals in a docstring")
                continue
            edit = edits.setdefault(id(located), _LeafEdit(located))
            edit.cuts.append((target.start, target.end, target))
        if not edits:
            return None
        new_leaves: dict[int, cst.BaseExpression] = {}
        for leaf_id, edit in edits.items():
            new_leaves[leaf_id] = self._replace_text(edit, DOCS_PLACEHOLDER)
            for _, _, cut_target in edit.cuts:
                if cut_target is not None:
                    self._done(cut_target, Outcome(True, replacement=DOCS_PLACEHOLDER, docs=True))
        return _rebuild(node, new_leaves, {}, implicit=False)

    def _replace_text(self, edit: _LeafEdit, text: str) -> cst.BaseExpression:
        leaf = edit.leaf
        leaf_start = self._range(leaf)[0]
        if isinstance(leaf, cst.SimpleString):
            raw = leaf.value
            for start, end, _ in sorted(edit.cuts, reverse=True):
                raw = raw[: start - leaf_start] + text + raw[end - leaf_start :]
            return leaf.with_changes(value=raw)
        parts = list(leaf.parts)
        for start, end, _ in sorted(edit.cuts, reverse=True):
            for i, part in enumerate(parts):
                if not isinstance(part, cst.FormattedStringText):
                    continue
                p_start, p_end = self._range(leaf.parts[i])
                if p_start <= start and end <= p_end:
                    value = part.value
                    parts[i] = part.with_changes(
                        value=value[: start - p_start] + text + value[end - p_start :]
                    )
                    break
        return leaf.with_changes(parts=parts)

    def _locate(self, leaves: list[_Leaf], target: Target) -> Optional[_Leaf]:
        """The leaf whose literal text holds the whole target (not an f-string hole)."""
        for leaf in leaves:
            l_start, l_end = self._range(leaf)
            if not (l_start <= target.start and target.end <= l_end):
                continue
            if isinstance(leaf, cst.SimpleString):
                return leaf
            for part in leaf.parts:
                p_start, p_end = self._range(part)
                if p_start <= target.start and target.end <= p_end:
                    return leaf if isinstance(part, cst.FormattedStringText) else None
        return None

    def _code_expression(
        self, node: cst.BaseExpression, leaves: list[_Leaf], targets: list[Target]
    ) -> Optional[cst.BaseExpression]:
        first_quote = _quote_of(leaves[0])
        quote = '"' if len(first_quote) == 3 else first_quote
        whole = _whole_value(leaves)
        if len(targets) == 1 and whole is not None:
            target = targets[0]
            if whole in (target.key, target.key.encode("ascii", errors="ignore")):
                assert target.name is not None
                code = self._lookup_code(target.name, quote)
                if isinstance(whole, bytes):
                    code += ".encode()"
                new = cst.parse_expression(code)
                if "\n" not in self.module.code_for_node(node):
                    new = new.with_changes(lpar=node.lpar, rpar=node.rpar)
                self._fixed(target, code)
                return new
        edits: dict[int, _LeafEdit] = {}
        for target in targets:
            if not self._plan_cuts(leaves, target, edits):
                continue
        if not edits:
            return None
        new_leaves: dict[int, cst.BaseExpression] = {}
        lookups: dict[int, cst.BaseExpression] = {}
        for leaf_id, edit in edits.items():
            rebuilt = self._cut_leaf(edit)
            if rebuilt is None:
                continue
            new_leaves[leaf_id], lookup = rebuilt
            if lookup is not None:
                lookups[leaf_id] = lookup
        if not new_leaves:
            return None
        return _rebuild(node, new_leaves, lookups, implicit=False)

    def _fixed(self, target: Target, code: str) -> None:
        self.needs_os_import = self.needs_os_import or self.import_offset is None
        self._done(target, Outcome(True, replacement=code))

    def _plan_cuts(self, leaves: list[_Leaf], target: Target, edits: dict[int, _LeafEdit]) -> bool:
        """Record where `target` sits in the leaves; False (and skipped) if no exact edit."""
        if not target.joined:
            leaf = self._locate(leaves, target)
            if leaf is None:
                self._skip(target, "it is inside an f-string expression")
                return False
            reason = _leaf_problem(leaf)
            if reason is not None:
                self._skip(target, reason)
                return False
            edits.setdefault(id(leaf), _LeafEdit(leaf)).cuts.append(
                (target.start, target.end, target)
            )
            return True
        # A key split across literals: map it through the pieces of literal text, which must
        # spell it verbatim (no escapes, no doubled braces) so offsets map one to one.
        pieces: list[tuple[_Leaf, int, str, bool]] = []  # (leaf, file offset, text, verbatim)
        for leaf in leaves:
            if isinstance(leaf, cst.SimpleString):
                body_start = self._range(leaf)[0] + len(leaf.prefix) + len(leaf.quote)
                value = _simple_value(leaf)
                body = leaf.raw_value
                pieces.append((leaf, body_start, body, value == body))
            else:
                for part in leaf.parts:
                    p_start = self._range(part)[0]
                    if isinstance(part, cst.FormattedStringText):
                        verbatim = "{{" not in part.value and "}}" not in part.value
                        pieces.append((leaf, p_start, part.value, verbatim))
                    else:
                        pieces.append((leaf, p_start, "\0", False))
        joined = ""
        offsets = []
        for _, _, text, _ in pieces:
            offsets.append(len(joined))
            joined += text
        index = None
        for i, (_, p_start, text, verbatim) in enumerate(pieces):
            if verbatim and p_start <= target.start < p_start + len(text):
                index = offsets[i] + target.start - p_start
        if index is None or joined[index : index + len(target.key)] != target.key:
            self._skip(target, "the key is split across literals with escape sequences")
            return False
        key_end = index + len(target.key)
        cuts: list[tuple[_Leaf, int, int]] = []
        for i, (leaf, p_start, text, verbatim) in enumerate(pieces):
            lo, hi = max(index, offsets[i]), min(key_end, offsets[i] + len(text))
            if lo >= hi:
                continue
            if not verbatim or _leaf_problem(leaf) is not None:
                self._skip(target, "the key is split across literals with escape sequences")
                return False
            cuts.append((leaf, p_start + lo - offsets[i], p_start + hi - offsets[i]))
        for n, (leaf, a, b) in enumerate(cuts):
            edits.setdefault(id(leaf), _LeafEdit(leaf)).cuts.append(
                (a, b, target if n == 0 else None)
            )
        return True

    def _cut_leaf(
        self, edit: _LeafEdit
    ) -> Optional[tuple[cst.BaseExpression, Optional[cst.BaseExpression]]]:
        """The leaf with its cuts applied (an f-string when a hole was added), and when the
        leaf was nothing but one key, the bare lookup that can replace it in a `+` chain.
        An empty result means the leaf vanished; returns (EMPTY, None) then."""
        leaf = edit.leaf
        leaf_start = self._range(leaf)[0]
        quote = _quote_of(leaf)
        hole_quote = _other_quote(quote)
        if isinstance(leaf, cst.SimpleString):
            raw = leaf.value
            prefix = leaf.prefix
            body_start = len(prefix) + len(quote)
            body_end = len(raw) - len(quote)
            segments: list[Union[str, Target]] = []
            pos = body_start
            for start, end, target in sorted(edit.cuts, key=lambda c: c[0]):
                a, b = start - leaf_start, end - leaf_start
                segments.append(raw[pos:a])
                if target is not None:
                    segments.append(target)
                pos = b
            segments.append(raw[pos:body_end])
            holes = [s for s in segments if isinstance(s, Target)]
            text = "".join(s for s in segments if isinstance(s, str))
            if not holes:
                if not text:
                    return _EMPTY, None
                return leaf.with_changes(value=prefix + quote + text + quote), None
            if not text and len(holes) == 1:
                target = holes[0]
                assert target.name is not None
                code = self._lookup_code(target.name, '"' if len(quote) == 3 else quote)
                self._fixed(target, code)
                parts: list[cst.BaseFormattedStringContent] = [self._hole(target, hole_quote)]
                new_prefix = prefix.replace("u", "").replace("U", "") + "f"
                fstring = cst.FormattedString(
                    parts=parts, start=new_prefix + quote, end=quote, lpar=leaf.lpar, rpar=leaf.rpar
                )
                return fstring, cst.parse_expression(code)
            parts = []
            for segment in segments:
                if isinstance(segment, Target):
                    parts.append(self._hole(segment, hole_quote))
                    assert segment.name is not None
                    self._fixed(segment, self._lookup_code(segment.name, hole_quote))
                elif segment:
                    escaped = segment.replace("{", "{{").replace("}", "}}")
                    parts.append(cst.FormattedStringText(escaped))
            new_prefix = prefix.replace("u", "").replace("U", "") + "f"
            return (
                cst.FormattedString(
                    parts=parts, start=new_prefix + quote, end=quote, lpar=leaf.lpar, rpar=leaf.rpar
                ),
                None,
            )
        new_parts: list[cst.BaseFormattedStringContent] = []
        for part in leaf.parts:
            if not isinstance(part, cst.FormattedStringText):
                new_parts.append(part)
                continue
            p_start, p_end = self._range(part)
            cuts = sorted(
                (c for c in edit.cuts if p_start <= c[0] and c[1] <= p_end), key=lambda c: c[0]
            )
            pos = 0
            for start, end, target in cuts:
                before = part.value[pos : start - p_start]
                if before:
                    new_parts.append(cst.FormattedStringText(before))
                if target is not None:
                    new_parts.append(self._hole(target, hole_quote))
                    assert target.name is not None
                    self._fixed(target, self._lookup_code(target.name, hole_quote))
                pos = end - p_start
            rest = part.value[pos:]
            if rest:
                new_parts.append(cst.FormattedStringText(rest))
        if not new_parts:
            return _EMPTY, None
        return leaf.with_changes(parts=new_parts), None

    def _hole(self, target: Target, quote: str) -> cst.FormattedStringExpression:
        assert target.name is not None
        expression = cst.parse_expression(self._lookup_code(target.name, quote))
        return cst.FormattedStringExpression(expression=expression)

    # --- the whole module -----------------------------------------------------------------------
    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        new = tree.visit(self)
        for target in self.targets:
            if target.start in self.pending:
                reason = self._blocked_reason(target) or "libcst found no literal or comment here"
                self._skip(target, reason)
        if self.needs_os_import:
            AddImportsVisitor.add_needed_import(self.context, "os")
        if self.needs_optional:
            AddImportsVisitor.add_needed_import(self.context, "typing", "Optional")
        return new


# A marker for a leaf that lost all its text: `_rebuild` drops it from its concatenation.
_EMPTY = cst.SimpleString('""')


def _leaf_problem(leaf: _Leaf) -> Optional[str]:
    """Why a key inside this leaf cannot become an f-string hole, or None."""
    if isinstance(leaf, cst.SimpleString):
        prefix = leaf.prefix.lower()
        if "b" in prefix:
            return "it is part of a longer bytes literal"
        if "r" not in prefix and "\\N{" in leaf.value:
            return "the string uses \\N{...} escapes"
    return None


def _rebuild(
    node: cst.BaseExpression,
    leaves: dict[int, cst.BaseExpression],
    lookups: dict[int, cst.BaseExpression],
    *,
    implicit: bool,
) -> Optional[cst.BaseExpression]:
    """`node` with its changed leaves; emptied leaves are dropped from concatenations and a
    leaf that became a bare lookup replaces the literal in a `+` chain. None: nothing left."""
    if isinstance(node, (cst.SimpleString, cst.FormattedString)):
        if not implicit and id(node) in lookups:
            lookup = lookups[id(node)]
            return lookup.with_changes(lpar=node.lpar, rpar=node.rpar)
        new = leaves.get(id(node), node)
        return None if new is _EMPTY else new
    if isinstance(node, (cst.ConcatenatedString, cst.BinaryOperation)):
        inner_implicit = isinstance(node, cst.ConcatenatedString)
        left = _rebuild(node.left, leaves, lookups, implicit=inner_implicit)
        right = _rebuild(node.right, leaves, lookups, implicit=inner_implicit)
        if left is None or right is None:
            return right if left is None else left
        return node.with_changes(left=left, right=right)
    return node


def _rebound_names(module: cst.Module) -> set[str]:
    """Names a module's top-level statements bind other than by import."""
    names: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            names.add(stmt.name.value)
        elif isinstance(stmt, cst.For):
            names.update(n.value for n in _target_names(stmt.target))
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        names.update(n.value for n in _target_names(target.target))
                elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                    names.update(n.value for n in _target_names(small.target))
    return names


def _target_names(node: cst.BaseExpression) -> list[cst.Name]:
    if isinstance(node, cst.Name):
        return [node]
    if isinstance(node, (cst.Tuple, cst.List)):
        return [n for element in node.elements for n in _target_names(element.value)]
    return []


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    return [*params.posonly_params, *params.params, *params.kwonly_params]


def _replace_params(params: cst.Parameters, replaced: dict[int, cst.Param]) -> cst.Parameters:
    n_pos = len(params.posonly_params)
    n_reg = len(params.params)

    def pick(group: Sequence[cst.Param], offset: int) -> list[cst.Param]:
        return [replaced.get(offset + i, p) for i, p in enumerate(group)]

    return params.with_changes(
        posonly_params=pick(params.posonly_params, 0),
        params=pick(params.params, n_pos),
        kwonly_params=pick(params.kwonly_params, n_pos + n_reg),
    )


def _is_optional(annotation: cst.BaseExpression) -> bool:
    if m.findall(annotation, m.Name("None")):
        return True
    return m.matches(
        annotation,
        m.Subscript(value=m.Name("Optional") | m.Attribute(attr=m.Name("Optional"))),
    )


def _strip_parens(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.with_changes(lpar=[], rpar=[]) if node.lpar else node


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def fix_python(text: str, targets: Sequence[Target]) -> FileFix:
    """Rewrite `text` so the targets read their variables (see the module docstring).

    Never raises: a module libcst cannot parse, or a result that would not compile, comes
    back unchanged with every target unfixed and the reason.
    """
    if not targets:
        return FileFix(text, {})
    if nesting_depth(text) > MAX_PARSE_DEPTH:
        # libcst's native parser would overflow the C stack (see scanners/nesting.py).
        return _unchanged(text, targets, f"expressions nest deeper than {MAX_PARSE_DEPTH}")
    try:
        module = cst.parse_module(text)
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return _unchanged(text, targets, f"libcst could not parse the file ({reason[:120]})")
    codemod = KeyToEnvironment(CodemodContext(), text, targets)
    try:
        new_module = codemod.transform_module(module)
    except RecursionError:
        return _unchanged(text, targets, "the file nests too deeply for libcst")
    except Exception as exc:  # a bug here must not stop the other files' fixes
        return _unchanged(
            text, targets, f"internal error in the Python fixer: {type(exc).__name__}: {exc}"
        )
    new_text = new_module.code
    outcomes = codemod.outcomes
    if new_text == text:
        return FileFix(text, outcomes)
    problem = _check_result(text, new_text, codemod)
    if problem is not None:
        return _unchanged(text, targets, problem)
    return FileFix(new_text, outcomes)


def _check_result(old: str, new: str, codemod: KeyToEnvironment) -> Optional[str]:
    try:
        module = cst.parse_module(new)
    except Exception:
        return "the fixed file would not parse (a bug in autype-guard: please report it)"
    if codemod.needs_os_import and not any(
        m.matches(stmt, m.SimpleStatementLine(body=[m.Import(names=[m.ImportAlias(m.Name("os"))])]))
        for stmt in module.body
    ):
        return "`import os` could not be added at module level"
    try:
        compile(old, "<original>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None  # newer syntax than this Python knows: libcst's parse is the check
    try:
        compile(new, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"the fixed file would not compile ({exc}); please report it"
    return None


def _unchanged(text: str, targets: Sequence[Target], reason: str) -> FileFix:
    return FileFix(text, {t.start: Outcome(False, reason=reason) for t in targets})


__all__ = ["KeyToEnvironment", "fix_python"]
