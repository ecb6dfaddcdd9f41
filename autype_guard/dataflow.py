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

Built once per file, and only by rules that found a candidate: one linear pass over the text
(texts over 2 MB, large bundles, are not followed).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Optional

from .autype_context import is_autype_secret_name, mentions_autype, names_other_service

# The target of an assignment and the operator: an identifier or a dotted / `->` path, with an
# optional sigil (`$name`, `@name`) and type annotation (`key: str =`, `val k: String =`).
# Not `==`, `=>`, `=~`, `+=`, `<=`, `!=`: the operator must follow the name directly.
_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_$@.>])([$@]?[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|->)[A-Za-z_][A-Za-z0-9_]*)*)"
    r"(?:[ \t]*:[ \t]*[A-Za-z_][A-Za-z0-9_.<>\[\]?]{0,60})?[ \t]*:?=(?![=>~])[ \t]*"
)
# Every character `_ASSIGNMENT` can match before its `=`. The pattern starts with a lookbehind
# and a class, so `re` would try it at every offset; it is tried only from the start of the
# run of these characters before each `=` (see `_assignments`), at most `_MAX_TARGET` back.
_TARGET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$@.<>[]?:- \t"
_MAX_TARGET = 1000
_EQUALS = re.compile(r"=(?![=>~])[ \t]*")
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


def _assignments(text: str, endpos: int) -> Iterator[re.Match[str]]:
    """The matches of `_ASSIGNMENT.finditer(text, 0, endpos)` (targets of up to `_MAX_TARGET`
    characters): each holds one `=`, found by `_EQUALS` (a literal start), and starts in the
    run of `_TARGET_CHARS` right before it. (A match ends where its `_EQUALS` match ends.)"""
    pos = 0
    for eq in _EQUALS.finditer(text, 0, endpos):
        at = eq.start()
        floor = max(pos, at - _MAX_TARGET)
        start = floor + len(text[floor:at].rstrip(_TARGET_CHARS))
        # The pattern's lookahead needs the character after the `=` and its blanks.
        m = _ASSIGNMENT.search(text, start, min(endpos, eq.end() + 1))
        if m is not None:
            yield m
            pos = m.end()


def _indent(text: str, line_start: int) -> int:
    i = line_start
    while i < len(text) and text[i] in " \t":
        i += 1
    return i - line_start


class LocalFlow:
    """The plain assignments of one text and what each name holds where it is used."""

    def __init__(self, text: str, holds_key: Callable[[str], bool]) -> None:
        self._text = text
        self._holds_key = holds_key
        # name -> the offsets of its assignments in text order, where each one's scope ends,
        # and where its value starts; values and origins are worked out on first need.
        self._starts: dict[str, list[int]] = {}
        self._ends: dict[str, list[int]] = {}
        self._values: dict[str, list[int]] = {}
        self._origins: dict[tuple[str, int], Optional[Origin]] = {}
        # Open assignments as (indent, name, index), indents non-decreasing.
        open_: list[tuple[int, str, int]] = []
        line_indent = _indent(text, 0)
        pos = 0  # the start of the line last looked at
        searched = 0  # no newline between `pos` and here

        def close_until(limit: int) -> None:
            nonlocal pos, searched
            while True:
                newline = text.find("\n", max(pos, searched), limit)
                if newline == -1:
                    searched = max(searched, limit)
                    return
                pos = newline + 1
                indent = _indent(text, pos)
                if pos + indent < len(text) and text[pos + indent] not in "\r\n":
                    while open_ and open_[-1][0] > indent:
                        _, n, k = open_.pop()
                        self._ends[n][k] = pos

        starts_of, ends_of, values_of = self._starts, self._ends, self._values
        for m in _assignments(text, 0 if len(text) > _MAX_TEXT else len(text)):
            name = m.group(1)
            if name[0] in "$@" or "->" in name:
                name = _normal(name)
            if name in _KEYWORDS:
                continue
            start = m.start()
            if start > searched:
                close_until(start)
                line_indent = _indent(text, pos)
            starts = starts_of.get(name)
            if starts is None:
                starts = starts_of[name] = []
                ends_of[name] = []
                values_of[name] = []
            starts.append(start)
            ends_of[name].append(len(text))
            values_of[name].append(m.end())
            open_.append((line_indent, name, len(starts) - 1))
        if open_:
            close_until(len(text))

    def _visible(self, name: str, offset: int, hops: int) -> Optional[Origin]:
        """The origin of the assignment of `name` visible at `offset`: None when there is
        none, or when it holds nothing known."""
        starts = self._starts.get(name)
        if not starts:
            return None
        ends = self._ends[name]
        last = bisect_left(starts, offset) - 1
        for k in range(last, max(-1, last - _MAX_SHADOWED), -1):
            if ends[k] > offset:
                memo = (name, k)
                if memo not in self._origins:
                    self._origins[memo] = None  # a cycle reads as unknown
                    lo = self._values[name][k]
                    value = self._text[lo : _value_end(self._text, lo)].strip()
                    found = self._origin(value, starts[k], hops + 1) if value else None
                    self._origins[memo] = found
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
