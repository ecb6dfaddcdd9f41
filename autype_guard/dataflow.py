"""Local data flow: which names of one file hold the Autype key, followed through plain assignments.

AG203 and AG301 decide whether a credential is the Autype key from the expression on the line
(`AUTYPE_API_KEY`, `settings.autype_key`). Code often reads the key once and passes it on by
name: `token = os.environ["AUTYPE_API_KEY"]`, then `token` in a header. `LocalFlow` follows
such chains within one file, text-based and language-agnostic:

- an assignment is `name = expr`, `name := expr`, `const/let/var/val name = expr`,
  `$name = expr`, `self.name = expr`, `name: Type = expr`, `export NAME=expr`;
- its value holds the Autype key when it holds a key literal, names an Autype key
  (`os.getenv("AUTYPE_API_KEY")`, `process.env.AUTYPE_API_KEY`, `config('services.autype.key')`,
  `std::env::var("AUTYPE_API_KEY")`) or names a variable that holds it at that point (chains,
  interpolation and concatenation included: `f"{key}"`, `"x" + key`, `format!("{}", key)`);
  it holds another service's credential when it is named for one (`GITHUB_TOKEN`, `jwt`);
- an assignment is visible from its line until the first later line indented less
  (the end of the function or block it sits in); the last visible assignment of a name wins,
  so a reassigned variable holds its new value. Calls into other functions and other files
  are not followed.

Made once per file, and only by rules that found a candidate; the assignments of a name are
searched for when a credential first uses it (texts over 2 MB, large bundles, are not
followed).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

from .autype_context import is_autype_secret_name, mentions_autype, names_other_service

# What follows an assignment's target: an optional type annotation (`key: str =`,
# `val k: String =`) and the operator. Not `==`, `=>`, `=~`, `+=`, `<=`, `!=`: the operator
# must follow the name directly.
_OPERATOR = r"(?:[ \t]*:[ \t]*[A-Za-z_][A-Za-z0-9_.<>\[\]?]{0,60})?[ \t]*:?=(?![=>~])[ \t]*"
# Characters that may not stand right before a target (or before its sigil, `$name`).
_GLUED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$@.>")
# Names read in an expression, same shape as the targets.
_NAME = re.compile(r"[$@]?[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|->|\?\.)[A-Za-z_][A-Za-z0-9_]*)*")
# Longest value expression read after `=`.
_MAX_VALUE = 400
# Longest chain of assignments followed, and most out-of-scope assignments of one name
# passed over looking for the visible one.
_MAX_HOPS = 8
_MAX_SHADOWED = 200
# Larger texts (bundles of several MB) are not followed: judged by names on the line only.
_MAX_TEXT = 2_000_000
# A line longer than this is minified: a use on it is followed only to assignments at most
# `_MINIFIED_REACH` characters before it.
_LONG_LINE = 2_000
_MINIFIED_REACH = 5_000
# Words that never name a variable (language keywords around a value).
_KEYWORDS = frozenset(
    {"const", "let", "var", "val", "final", "await", "new", "return", "if", "else", "not", "and"}
    | {"or", "in", "is", "None", "null", "nil", "true", "false", "True", "False", "this", "self"}
)


@dataclass(frozen=True)
class Origin:
    """What a credential expression holds, and the expression that decided it."""

    autype: bool
    """True: the Autype key; False: another service's credential."""
    source: str
    """The value expression at the start of the chain (`os.environ["AUTYPE_API_KEY"]`)."""


def _normal(name: str) -> str:
    """`$this->key` -> `this.key`, `@key` -> `key`, `a?.b` -> `a.b`."""
    return name.lstrip("$@").replace("->", ".").replace("?.", ".")


def _value_end(text: str, start: int) -> int:
    """The end of the expression starting at `start`: a `,` `;` or newline outside brackets,
    or an unmatched closing bracket; at most `_MAX_VALUE` characters."""
    depth = 0
    limit = min(len(text), start + _MAX_VALUE)
    for i in range(start, limit):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0 and c in ",;\n":
            return i
    return limit


def _indent(text: str, line_start: int) -> int:
    i = line_start
    while i < len(text) and text[i] in " \t":
        i += 1
    return i - line_start


def _assignment_pattern(name: str) -> re.Pattern[str]:
    """Assignments to the normalised `name` however it is spelled (`a.b`, `$a->b`, `@a.b`),
    starting with the name's first part (a literal `re` skips to)."""
    parts = [re.escape(part) for part in name.split(".")]
    return re.compile(r"(?:\.|->)".join(parts) + _OPERATOR)


def _assignments_to(text: str, name: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Where each assignment to `name` in text[lo:hi] starts and where its value starts, in
    text order: the target is not glued to a name or path before it (`self.key =` does not
    assign `key`), nor followed by more of a path."""
    out: list[tuple[int, int]] = []
    for m in _assignment_pattern(name).finditer(text, lo, hi):
        start = m.start()
        if start and text[start - 1] in "$@":
            start -= 1
        if start and text[start - 1] in _GLUED:
            continue
        out.append((start, m.end()))
    return out


def _in_scope(text: str, start: int, indent: int, offset: int) -> bool:
    """Whether an assignment at `start`, on a line indented `indent`, is visible at `offset`:
    no line after its own, up to the line holding `offset`, is indented less (blank lines do
    not count)."""
    if indent == 0:
        return True
    outdent = re.compile(r"\n[ \t]{0," + str(indent - 1) + r"}[^ \t\r\n]")
    m = outdent.search(text, start, min(len(text), offset + indent + 1))
    return m is None or m.start() + 1 > offset


class LocalFlow:
    """The plain assignments of one text and what each name holds where it is used.

    Nothing is indexed up front: the assignments of a name are searched for (one pass led by
    the name's literal) the first time a credential expression uses it, so a file that sends
    a few credentials many times costs a few searches, not an index of every `=`. On a
    minified line (over `_LONG_LINE` characters: no indentation, no scopes to read, many
    one-letter names) only the `_MINIFIED_REACH` characters before the use are searched."""

    def __init__(self, text: str, holds_key: Callable[[str], bool]) -> None:
        self._text = text
        self._holds_key = holds_key
        self._followed = len(text) <= _MAX_TEXT
        self._newlines: Optional[list[int]] = None
        # (name, where the search began) -> the assignments found, and where each starts
        self._assignments: dict[tuple[str, int], tuple[list[tuple[int, int]], list[int]]] = {}
        self._origins: dict[tuple[str, int], Optional[Origin]] = {}

    def _line(self, offset: int) -> tuple[int, int]:
        """The start and end of the line holding `offset`."""
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self._text)]
        i = bisect_left(self._newlines, offset)
        start = self._newlines[i - 1] + 1 if i else 0
        end = self._newlines[i] if i < len(self._newlines) else len(self._text)
        return start, end

    def _visible(self, name: str, offset: int, hops: int) -> Optional[Origin]:
        """The origin of the assignment of `name` visible at `offset`: None when there is
        none, or when it holds nothing known."""
        if not self._followed or name in _KEYWORDS:
            return None
        text = self._text
        line_start, line_end = self._line(offset)
        lo = 0
        if line_end - line_start > _LONG_LINE:
            lo = max(line_start, offset - _MINIFIED_REACH)
        indexed = self._assignments.get((name, lo))
        if indexed is None:
            found = _assignments_to(text, name, lo, len(text) if lo == 0 else offset)
            indexed = self._assignments[name, lo] = (found, [a for a, _ in found])
        found_all, starts = indexed
        last = bisect_left(starts, offset) - 1
        for k in range(last, max(-1, last - _MAX_SHADOWED), -1):
            start, value_start = found_all[k]
            if _in_scope(text, start, _indent(text, self._line(start)[0]), offset):
                memo = (name, start)
                if memo not in self._origins:
                    self._origins[memo] = None  # a cycle reads as unknown
                    value = text[value_start : _value_end(text, value_start)].strip()
                    found_origin = self._origin(value, start, hops + 1) if value else None
                    self._origins[memo] = found_origin
                return self._origins[memo]
        return None

    def origin(self, expression: str, offset: int) -> Optional[Origin]:
        """What `expression`, used at `offset`, holds: the Autype key (a key literal, a name
        of the Autype key, or a variable assigned one), another service's credential, or
        None when nothing says."""
        return self._origin(expression, offset, 0)

    def _origin(self, expression: str, offset: int, hops: int) -> Optional[Origin]:
        if self._holds_key(expression):
            return Origin(True, expression)
        if mentions_autype(expression):
            for m in _NAME.finditer(expression):
                if _prefix_names_key(m.group()):
                    return Origin(True, expression)
            if is_autype_secret_name(expression):  # `credentials.autype[:api_key]`
                return Origin(True, expression)
            return None
        other: Optional[Origin] = None
        if hops < _MAX_HOPS:
            for m in _NAME.finditer(expression):
                # `token.strip()`, `key.value`: the variable is a leading part of the path.
                parts = _normal(m.group()).split(".")
                for i in range(len(parts), 0, -1):
                    found = self._visible(".".join(parts[:i]), offset, hops)
                    if found is not None:
                        if found.autype:
                            return found
                        other = other or found
                        break
        if other is not None:
            return other
        if names_other_service(expression):
            return Origin(False, expression)
        return None


def _prefix_names_key(name: str) -> bool:
    """`autype_key.strip` -> True: the path or a leading part of it names the Autype key."""
    parts = _normal(name).split(".")
    return any(is_autype_secret_name(".".join(parts[:i])) for i in range(1, len(parts) + 1))


__all__ = ["LocalFlow", "Origin"]
