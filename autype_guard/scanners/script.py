"""Keys assembled from string literals: a small, linear joiner for JS/TS and its relatives.

Not a parser. These shapes are recognised around a literal that holds the start of a key:

- concatenation: `'ak_' + '3hQ9...' + '...'`, across lines and around comments (PHP's `.`
  operator too), and literals written next to each other (`"ak_" "..."`, shell
  `"ak_""..."` and `KEY=ak_"..."`);
- array join: `['ak', '3hQ9...'].join('_')` (the separator defaults to `,`);
- template literals with literal holes: `` `ak_${'3hQ9'}xLr2...` `` (`String.raw` too);
- calls over literal arguments: `'ak_'.concat('...')`, `''.concat('ak_', '...')`, Rust's
  `concat!`, C#'s `string.Concat`, Java's `String.join(sep, ...)`, and `format!`,
  `String.format`, `Sprintf` with `{}`/`%s`/`%v` slots only;
- a `const` bound once, at the start of a line, to a literal holding `ak`, then joined:
  `const P = 'ak_'` ... `P + '...'` or `` `${P}...` ``.

Only literal parts made of key characters take part, so a join stops at the first variable
or at any other character, and every regex below is linear: each repetition starts with a
distinct token and comments are bounded. A joined key is reported at the literal that holds
`ak`, i.e. on the line of that expression.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Optional

from ..keys import KeyHit, KeyMatcher
from . import KeyOccurrence, Segment, spelled_by
from .text import describe_context

# Whitespace and short comments between the parts of an expression. Comments are bounded so
# that an unterminated one costs a constant, not a scan to the end of the file.
_GAP = r"(?:\s|/\*[^*]{0,200}\*/|//[^\n]{0,200}\n|\\\r?\n)*"


def _atomic(name: str, body: str) -> str:
    """`body` matched atomically: a look-ahead captures it, a back-reference consumes it, so a
    failure later never backtracks into it (possessive `*+` needs Python 3.11)."""
    return f"(?=(?P<{name}>{body}))(?P={name})"


def _gap(name: str) -> str:
    return _atomic(name, _GAP)


def _part(name: str) -> str:
    """A string literal whose whole content could continue a key."""
    return f"(?P<{name}>['\"`])" + _atomic(name + "_body", "[A-Za-z0-9_-]*") + f"(?P={name})"


# The end of a literal holding the start of a key: `ak`, optionally `_` and key characters,
# then the closing quote. Not glued to an identifier (`peak_...`) nor preceded by `-`: that
# keeps every run of key characters to one starting point, so failed attempts stay linear.
# The look-behind comes after the literal `ak` so that the regex engine can jump from one
# `ak` to the next instead of trying every position.
_HEAD = r"ak(?<![A-Za-z0-9_$-]ak)" + _atomic("run", "(?:_[A-Za-z0-9_-]*)?")

# `'ak_' + 'more' + 'more'`, or PHP's `'ak_' . 'more'`.
# At most 32 parts: a key is short, and bounding the chain bounds the work per match.
# The operator is optional: literals written next to each other are joined too (Python,
# Ruby and C-family `"ak_" "..."`, shell `"ak_""..."`).
_CONCAT = re.compile(
    _HEAD + r"""['"`](?:""" + _gap("g1") + "(?:[+.]" + _gap("g2") + ")?" + _part("p") + "){1,32}"
)
# Shell: an unquoted word that starts a key, then quoted parts: `KEY=ak_"3hQ9..."`. Not
# inside a literal (no quote before "ak"), else it is the end of one (`_CONCAT`).
_WORD = re.compile(
    r"""ak(?<![A-Za-z0-9_$'"`-]ak)"""
    + _atomic("run", "(?:_[A-Za-z0-9_-]*)?")
    + "(?:"
    + _part("p")
    + "){1,8}"
)


def _more_elements(quote: str, close: str) -> str:
    """The closing quote of the literal holding `ak` (`quote`: the quotes it may have), then
    up to 32 more literal elements after commas, an optional trailing comma and `close`."""
    return (
        quote
        + "(?:"
        + _gap("g1")
        + ","
        + _gap("g2")
        + _part("p")
        + "){1,32}"
        + _gap("g3")
        + r",?"
        + _gap("g4")
        + close
    )


# The closing quote of the literal holding `ak`, then up to 32 more literal arguments and the
# call's closing parenthesis.
_LITERAL_ARGS = _more_elements(r"""['"]""", r"\)")
# Literal arguments after the one holding `ak`: `concat!("ak_", "...")`,
# `String.join("", "ak_", "...")`, `string.Concat(...)`, `''.concat('ak_', '...')`,
# `format!("{}{}", "ak_", "...")`, `fmt.Sprintf("%s%s", "ak_", "...")`; the call is
# recognised before the literal by `_CALL_BEFORE_REVERSED`.
_ARGS = re.compile(_HEAD + _LITERAL_ARGS)
# `'ak_'.concat('...', '...')`.
_DOT_CONCAT = re.compile(
    _HEAD
    + r"""['"`]"""
    + _gap("g1")
    + r"\.concat\("
    + _gap("g2")
    + _part("p")
    + "(?:"
    + _gap("g3")
    + ","
    + _gap("g4")
    + _part("q")
    + "){0,31}"
    + _gap("g5")
    + r",?"
    + _gap("g6")
    + r"\)"
)
# A format string that starts with `ak` and has slots, then literal arguments:
# `fmt.Sprintf("ak_%s%s", "...", "...")`, `format!("ak_{}", "...")`; the call is recognised
# before the literal by `_CALL_BEFORE_REVERSED`.
_FORMAT = re.compile(
    _HEAD + _atomic("slots", r"(?:(?:\{\}|%[sv])[A-Za-z0-9_-]*){1,8}") + _LITERAL_ARGS
)
# Go's `strings.Join([]string{"ak", "..."}, "_")`: the elements from the one holding `ak`,
# then the separator; `[]string{` and the call are checked before the literal by
# `_GO_JOIN_BEFORE_REVERSED`.
_GO_JOIN = re.compile(
    _HEAD
    + _more_elements(r"""['"`]""", r"\}")
    + _gap("g5")
    + ","
    + _gap("g6")
    + r"""(?P<s>['"`])(?P<sep>[A-Za-z0-9_ .:-]{0,8})(?P=s)"""
    + _gap("g7")
    + r"\)"
)
_GO_JOIN_BEFORE_REVERSED = re.compile(r"\s*\{gnirts\]\[\s*\(nioJ\.sgnirts(?![A-Za-z0-9_])")
# Ruby's word arrays: `%w[ak 3hQ9...].join("_")` (`Array#join` defaults to no separator).
_WORDS_JOIN = re.compile(
    r"%[wW][\[({<][ \t]*(?P<first>ak(?:_[A-Za-z0-9_-]*)?)"
    r"(?P<rest>(?:[ \t\r\n]+[A-Za-z0-9_-]+){1,32})[ \t\r\n]*[\])}>]"
    r"""\.join(?:\([ \t]*(?:(?P<s>['"])(?P<sep>[A-Za-z0-9_ .:-]{0,8})(?P=s))?[ \t]*\)|(?![\w(]))"""
)
# The call around `_ARGS`, read backwards from its first literal over a bounded window
# (one anchored match, never a search): the literal arguments before it, `(`, the callee.
_ARG_LITERAL = r"""(?:'[^'\\\n]{0,80}'|"[^"\\\n]{0,80}")"""
_CALL_BEFORE_REVERSED = re.compile(
    r"\s*(?P<before>(?:,\s*" + _ARG_LITERAL + r"\s*){0,8})\("
    r"(?:(?P<concat>!?tacnoc|tacnoC)|(?P<join>nioj)|(?P<format>!?tamrof|tamroF|ftnirp[Ss]))"
    r"(?![A-Za-z0-9_$])"
)
_CALL_WINDOW = 800
# A format slot that `_CALL_BEFORE_REVERSED`'s format calls fill in order.
_SLOT = re.compile(r"\{\}|%[sv]")
# A name bound to a literal holding `ak` on a line of its own: `const NAME = 'ak_';`,
# `export const`, `let`/`var`/`val`, Go's `NAME = "ak_"` in a `const (...)` block or
# `NAME := "ak_"`, a Ruby constant; found from the literal (`_CONST_VALUE`), the line before it
# read by `_BINDING`. Where a name so bound once is joined to literals: `NAME + '...'`,
# `` `${NAME}...` ``, `"#{NAME}..."`.
_CONST_VALUE = re.compile(
    r"""ak(?<=['"`]ak)(?:_[A-Za-z0-9_-]*)?['"`][ \t]*;?[ \t]*(?:(?://|#)[^\n]*)?(?:\r?\n|\Z)"""
)
_BINDING = re.compile(
    r"[ \t]*(?:export[ \t]+)?(?:(?:const|let|var|val)[ \t]+)?(?P<name>[A-Za-z_$][\w$]{0,63})"
    r"""(?:[ \t]*:[ \t]*[A-Za-z_]\w{0,31}|[ \t]+string)?[ \t]*:?=[ \t]*['"`]\Z"""
)
_BINDING_REACH = 200
_MAX_CONSTS = 8
# `['ak', 'more'].join('_')`.
_JOIN = re.compile(
    r"\["
    + _gap("g1")
    + r"""(?P<q>['"`])ak(?:_[A-Za-z0-9_-]*)?(?P=q)(?:"""
    + _gap("g2")
    + ","
    + _gap("g3")
    + _part("p")
    + ")+"
    + _gap("g4")
    + ",?"
    + _gap("g5")
    + r"\]"
    + _gap("g6")
    + r"\.join\("
    + _gap("g7")
    + r"""(?:(?P<s>['"`])[^'"`\\\n]{0,8}(?P=s))?"""
    + _gap("g8")
    + r"\)"
)
# `` `ak_${'more'}more` ``, Ruby's `"ak_#{'more'}more"`: holes that hold one literal each.
_TEMPLATE = re.compile(
    _HEAD + r"""(?:[$#]\{\s*(?P<q>['"])[A-Za-z0-9_-]*(?P=q)\s*\}[A-Za-z0-9_-]*){1,32}"""
)

# The pieces of a matched expression, read back in order.
_GAP_RE = re.compile(_GAP)
_LITERAL = re.compile(r"""(['"`])([^'"`\\\n]*)\1""")
# A gap, an operator, or a literal (quote, content) inside a matched concatenation.
_CHAIN_PART = re.compile(
    r"""(?:\s|/\*[^*]{0,200}\*/|//[^\n]{0,200}\n|\\\r?\n)+|[+.]|(['"`])([A-Za-z0-9_-]*)\1"""
)
_HOLE = re.compile(r"""[$#]\{\s*(['"])([A-Za-z0-9_-]*)\1\s*\}([A-Za-z0-9_-]*)""")


def _concat_parts(m: re.Match[str]) -> tuple[int, list[Segment]]:
    """The first literal's end and the literals of a matched concatenation."""
    text = m.string
    first_end = m.end("run")
    # The matched span holds only gaps, operators and literals of key characters; the
    # literals after the first closing quote are read back in one pass.
    head = text[m.start() : first_end]
    parts = [Segment(m.start(), head, head)]
    for part in _CHAIN_PART.finditer(text, first_end + 1, m.end()):
        if part.group(1):
            parts.append(Segment(part.start(2), part.group(2), part.group(2)))
    return first_end, parts


def _join_parts(text: str, start: int, end: int) -> tuple[int, int, int, list[Segment]]:
    """Start and end of the first element's content, the last one's end, and the elements
    with the separator between them."""
    pos = _GAP_RE.match(text, start + 1).end()  # type: ignore[union-attr]
    values: list[Segment] = []
    first = (pos + 1, pos + 1)
    last_end = pos + 1
    while True:
        lit = _LITERAL.match(text, pos)
        if lit is None:
            break
        if not values:
            first = (lit.start(2), lit.end(2))
        values.append(Segment(lit.start(2), lit.group(2), lit.group(2)))
        last_end = lit.end(2)
        pos = _GAP_RE.match(text, lit.end()).end()  # type: ignore[union-attr]
        if text.startswith(",", pos):
            pos = _GAP_RE.match(text, pos + 1).end()  # type: ignore[union-attr]
    pos = text.index(".join(", pos, end) + len(".join(")
    pos = _GAP_RE.match(text, pos).end()  # type: ignore[union-attr]
    sep = _LITERAL.match(text, pos, end)
    # No separator literal: the default "," is written nowhere.
    separator = Segment(sep.start(2), sep.group(2), sep.group(2)) if sep else Segment(0, None, ",")
    parts = values[:1]
    for value in values[1:]:
        parts += [separator, value]
    return first[0], first[1], last_end, parts


def _template_parts(m: re.Match[str]) -> tuple[int, list[Segment]]:
    first_end = m.end("run")
    head = m.string[m.start() : first_end]
    parts = [Segment(m.start(), head, head)]
    for hole in _HOLE.finditer(m.string, first_end, m.end()):
        parts.append(Segment(hole.start(2), hole.group(2), hole.group(2)))
        parts.append(Segment(hole.start(3), hole.group(3), hole.group(3)))
    return first_end, parts


# How each joined shape begins, loosened so that reading a file's bytes as Latin-1 can only
# find more than its UTF-8 text does: a gap may also hold any non-ASCII character (the
# UTF-8 text may have Unicode whitespace there) and comments may be four times as long.
# One character class for both: as two alternatives, a run of characters that are both
# (U+0085, U+00A0) could be split in exponentially many ways before a failure.
_LOOSE_GAP = r"(?:[\s\x80-\U0010ffff]|/\*[^*]{0,800}\*/|//[^\n]{0,800}\n|\\\r?\n)*"
_MAY_JOIN = re.compile(
    _HEAD
    + r"""(?:['"`](?:"""
    + _LOOSE_GAP
    + r"""[+.,'"`]"""  # `_CONCAT`, `_DOT_CONCAT`, `_ARGS`
    + r"""|[ \t]*(?:[;\r\n]|\Z)"""  # `_CONST`
    + r"""|[A-Za-z0-9_-])"""  # `_WORD`
    + r"""|[$#]\{"""  # `_TEMPLATE`
    + r"""|\{\}|%[sv])"""  # `_FORMAT`
)
# `_WORDS_JOIN`'s start.
_MAY_WORDS_JOIN = re.compile(r"%[wW][\[({<][ \t]*ak[ \t\r\n_]")
# `_JOIN`'s first element and comma, found from its `ak` (a search led by `[` would try
# every bracket of a minified bundle); the `[` before it is checked by `_opens_array`.
_MAY_JOIN_ARRAY = re.compile(r"""ak(?<=['"`]ak)(?:_[A-Za-z0-9_-]*)?['"`]""" + _LOOSE_GAP + ",")


def _opens_array(text: str, quote: int) -> bool:
    """Whether only a gap may stand between a `[` and the quote at `quote`: spaces and
    non-ASCII characters are skipped; a `/` (the end of a block comment) or a line break
    (a line comment may end there) count as yes."""
    i = quote - 1
    while i >= 0 and (text[i].isspace() or text[i] >= "\x80"):
        if text[i] == "\n":
            return True
        i -= 1
    return i >= 0 and text[i] in "[/"


def may_join(text: str) -> bool:
    """False when `find_joined` certainly finds nothing in `text` (read as UTF-8 or as
    Latin-1): no literal ending in `ak` (optionally `_` and key characters) is followed by
    `+`, `.`, `,`, another literal or a template hole, nor ends a statement, nor opens an
    array followed by more elements. A few regex passes, far cheaper than `find_joined`."""
    if "ak" not in text:
        return False
    if _MAY_JOIN.search(text) is not None:
        return True
    if ("%w" in text or "%W" in text) and _MAY_WORDS_JOIN.search(text) is not None:
        return True
    return any(_opens_array(text, m.start() - 1) for m in _MAY_JOIN_ARRAY.finditer(text))


def _literals(text: str, start: int, end: int) -> list[str]:
    """The contents of the literals of key characters in text[start:end] (a matched
    chain of gaps, operators and literals)."""
    return [v for q, v in _CHAIN_PART.findall(text, start, end) if q]


def _call_value(text: str, m: re.Match[str]) -> Optional[str]:
    """The value from the `ak` literal of an `_ARGS` match on, by the call around it: None
    when no known call is."""
    quote = m.start() - 1
    if quote < 0 or text[quote] not in "'\"":
        return None
    call = _CALL_BEFORE_REVERSED.match(text[max(0, quote - _CALL_WINDOW) : quote][::-1])
    if call is None:
        return None
    first = text[m.start() : m.end("run")]
    rest = _literals(text, m.end("run") + 1, m.end())
    before = [lit.group(2) for lit in _LITERAL.finditer(call.group("before")[::-1])]
    if call.group("concat"):
        return first + "".join(rest)
    if call.group("join"):
        return before[0].join([first, *rest]) if before else None
    if not before:
        return None
    slots = _SLOT.split(before[0])
    args = [*before[1:], first, *rest]
    if len(slots) != len(args) + 1:
        return None
    head = len(before) - 1  # the slot `ak` fills
    return first + slots[head + 1] + "".join(a + slots[head + 2 + i] for i, a in enumerate(rest))


def _literal_end(text: str, start: int) -> int:
    """The length of the run of key characters at `start` (the value of a bound literal)."""
    i = start + 2
    while i < len(text) and (text[i].isascii() and (text[i].isalnum() or text[i] in "_-")):
        i += 1
    return i - start


def _format_value(text: str, m: re.Match[str]) -> Optional[str]:
    """The value of a `_FORMAT` match (a format string starting with `ak`, its slots filled by
    the literal arguments), or None when no known format call is around it or the counts of
    slots and arguments differ."""
    quote = m.start() - 1
    if quote < 0 or text[quote] not in "'\"":
        return None
    call = _CALL_BEFORE_REVERSED.match(text[max(0, quote - _CALL_WINDOW) : quote][::-1])
    if call is None or not call.group("format") or call.group("before").strip():
        return None
    slots = _SLOT.split(text[m.start() : m.end("slots")])
    args = _literals(text, m.end("slots") + 1, m.end())
    if len(slots) != len(args) + 1:
        return None
    return slots[0] + "".join(a + s for a, s in zip(args, slots[1:], strict=True))


def _const_joins(text: str, matcher: KeyMatcher) -> Iterator[KeyOccurrence]:
    """Keys joined from a const bound once at the start of a line to `'ak...'` and
    literals after it."""
    seen: set[str] = set()
    for m in _CONST_VALUE.finditer(text):
        quote = m.start() - 1
        floor = max(0, quote - _BINDING_REACH)
        line_start = text.rfind("\n", floor, quote) + 1 or floor
        bound = _BINDING.match(text, line_start, quote + 1)
        if bound is None:
            continue
        name = bound.group("name")
        if name in seen or name in ("const", "let", "var", "val", "export"):
            continue
        seen.add(name)
        if len(seen) > _MAX_CONSTS:
            return
        escaped = re.escape(name)
        bindings = re.findall(
            r"(?<![\w$.])" + escaped + r"[ \t]*(?::=|[-+*/.|&?]{0,2}=)(?![=>~])", text
        )
        if len(bindings) != 1:
            continue
        value = text[m.start() : m.start() + _literal_end(text, m.start())]
        uses = re.compile(
            r"(?<![\w$.])"
            + escaped
            + r"(?![\w$])(?:"
            + _GAP
            + r"\+"
            + _GAP
            + r"""(['"`])[A-Za-z0-9_-]*\1){1,32}"""
            + r"|[$#]\{\s*"
            + escaped
            + r"\s*\}[A-Za-z0-9_-]*"
        )
        for use in uses.finditer(text, m.end()):
            hole = use.group().startswith(("$", "#"))
            joined = value + (
                "".join(_literals(text, use.start() + len(name), use.end()))
                if not hole
                else use.group()[use.group().index("}") + 1 :]
            )
            end = use.end() - (0 if hole else 1)
            # The key must end past the bound value: a use of a whole key is not a join.
            first_end = use.start() + len(value)
            yield from _occurrence(
                text, matcher, use.start(), first_end, end, _unwritten(use.start(), joined)
            )


def _unwritten(start: int, value: str) -> list[Segment]:
    """A joined value whose parts' places are not tracked (see `spelled_by`)."""
    return [Segment(start, None, value)]


def find_joined(text: str, matcher: KeyMatcher) -> Iterator[KeyOccurrence]:
    """Keys that only exist once literals are joined, at the literal holding `ak`.

    Linear in the length of `text`; never raises.
    """
    if "ak" not in text:
        return
    for m in _CONCAT.finditer(text):
        first_end, parts = _concat_parts(m)
        yield from _occurrence(text, matcher, m.start(), first_end, m.end() - 1, parts)
    for m in _JOIN.finditer(text):
        start, first_end, last_end, parts = _join_parts(text, m.start(), m.end())
        yield from _occurrence(text, matcher, start, first_end, last_end, parts)
    for m in _TEMPLATE.finditer(text):
        first_end, parts = _template_parts(m)
        yield from _occurrence(text, matcher, m.start(), first_end, m.end(), parts)
    # The shapes below give the joined value only, not where each part is written: their
    # keys are found and reported, and `fix` leaves them with a reason (no edit site pieces).
    for m in _WORD.finditer(text):
        joined = text[m.start() : m.end("run")] + "".join(_literals(text, m.end("run"), m.end()))
        yield from _occurrence(
            text, matcher, m.start(), m.end("run"), m.end("p_body"), _unwritten(m.start(), joined)
        )
    for m in _ARGS.finditer(text):
        value = _call_value(text, m)
        if value is not None:
            parts = _unwritten(m.start(), value)
            yield from _occurrence(text, matcher, m.start(), m.end("run"), m.end("p_body"), parts)
    for m in _FORMAT.finditer(text):
        value = _format_value(text, m)
        if value is not None:
            parts = _unwritten(m.start(), value)
            yield from _occurrence(text, matcher, m.start(), m.end("run"), m.end("p_body"), parts)
    for m in _GO_JOIN.finditer(text):
        quote = m.start() - 1
        before = text[max(0, quote - 40) : quote][::-1]
        if quote >= 0 and _GO_JOIN_BEFORE_REVERSED.match(before):
            pieces = [text[m.start() : m.end("run")]]
            pieces += _literals(text, m.end("run") + 1, m.end("g4"))
            parts = _unwritten(m.start(), m.group("sep").join(pieces))
            yield from _occurrence(text, matcher, m.start(), m.end("run"), m.end("p_body"), parts)
    if "%w" in text or "%W" in text:
        for m in _WORDS_JOIN.finditer(text):
            words = [m.group("first"), *m.group("rest").split()]
            parts = _unwritten(m.start("first"), (m.group("sep") or "").join(words))
            last = m.end("rest")
            yield from _occurrence(text, matcher, m.start("first"), m.end("first"), last, parts)
    for m in _DOT_CONCAT.finditer(text):
        joined = text[m.start() : m.end("run")] + "".join(
            _literals(text, m.end("run") + 1, m.end())
        )
        last = max(m.end("p_body"), m.end("q_body"))
        yield from _occurrence(
            text, matcher, m.start(), m.end("run"), last, _unwritten(m.start(), joined)
        )
    yield from _const_joins(text, matcher)


def _occurrence(
    text: str,
    matcher: KeyMatcher,
    start: int,
    first_end: int,
    last_end: int,
    parts: list[Segment],
) -> Iterator[KeyOccurrence]:
    joined = "".join(part.value for part in parts)
    # A later part that starts another `ak_` starts a key of its own: `'ak_A...' + 'ak_B...'`
    # is two keys (each found where it stands), never one key spelled across both.
    later_key = joined.find("ak_", first_end - start)
    if later_key >= 0:
        joined = joined[:later_key]
    km = matcher.pattern.match(joined)
    # A key that ends inside the first literal is found by the plain scan already.
    if km is None or km.end() <= first_end - start:
        return
    line_start = text.rfind("\n", max(0, start - 120), start) + 1
    context, env = describe_context(text[max(line_start, start - 120) : start])
    # NOTE: the hit covers every part of the key (spans and snippets clip it to the first
    # line), so no part of the key body is shown unredacted next to the preview.
    hit = KeyHit(start, max(last_end, start + 3), km.group(), "joined")
    yield KeyOccurrence(hit, context, env, joined=True, pieces=spelled_by(parts, 0, km.end()))


def with_joined(
    text: str, matcher: KeyMatcher, plain: Iterable[KeyOccurrence]
) -> list[KeyOccurrence]:
    """`plain` plus the joined keys; a joined key replaces a shorter plain hit at its start."""
    joined = {occ.hit.start: occ for occ in find_joined(text, matcher)}
    out = [occ for occ in plain if occ.hit.start not in joined]
    out.extend(joined.values())
    out.sort(key=lambda o: o.hit.start)
    return out


__all__ = ["find_joined", "may_join", "with_joined"]
