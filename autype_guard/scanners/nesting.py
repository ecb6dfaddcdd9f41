"""How deep libcst would have to recurse to parse a Python module, estimated cheaply.

libcst's native parser takes time quadratic in the length of an expression chain and
overflows the C stack (a segfault, not an exception) some thousands deep: brackets nested
in brackets, but also long flat-looking chains, which its tree nests one level per link:
`a + a + ...`, `a.b.c...`, `f()()...`, `x[0][0]...`, `1 if c else 1 if c else ...`,
`not not ...`, `"a" "b" ...`. Real code stays far below `MAX_PARSE_DEPTH`; a deeper module
is scanned as text and never handed to libcst.

The estimate walks the tokens that build such chains, outside strings and comments: each
operator, keyword operator, opening bracket and adjacent string literal adds a link to the
chain of its bracket level, a comma or semicolon (or a line end outside brackets) starts a
new one, and the depth of a point is the sum of the chains of every level around it plus
the number of brackets. It errs towards the fallback (a comparison chain is flat in libcst
but counted). A quote that opens no complete string (a syntax error, which libcst rejects
anyway) counts as too deep: tokenizing past it could cost time quadratic in the line.
"""

from __future__ import annotations

import re

MAX_PARSE_DEPTH = 500

_TOKEN = re.compile(
    r"""(?P<str>[rRbBuUfF]{0,2}(?:'''(?:[^\\']|\\[\s\S]|'(?!''))*'''"""
    r'''|"""(?:[^\\"]|\\[\s\S]|"(?!""))*"""'''
    r"""|'(?:[^'\\\n]|\\[\s\S])*'|"(?:[^"\\\n]|\\[\s\S])*"))"""
    # A quote that opens no complete string: a syntax error for libcst too.
    r"""|(?P<bad>['"])"""
    r"""|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<sep>[,;])|(?P<nl>\n)"""
    r"""|(?P<op>\*\*|//|<<|>>|[-+*/%@&|^~<>.]|\b(?:and|or|not|if|else|lambda|await|in|is)\b)"""
    r"""|\#[^\n]*|\\\n"""  # comments and line continuations: no tokens
)


def nesting_depth(text: str) -> int:
    """The estimated deepest recursion of parsing `text` (see the module docstring); any
    number above `MAX_PARSE_DEPTH` may stand for "too deep". Linear in the length of text."""
    chains = [0]  # the current chain's length at each open bracket level (0: top level)
    depth = deepest = 0  # depth: brackets open plus the links of every chain around
    after_string = False
    for token in _TOKEN.finditer(text):
        kind = token.lastgroup
        if kind == "str":
            if after_string:
                chains[-1] += 1
                depth += 1
            after_string = True
        else:
            after_string = False
            if kind is None or (kind == "nl" and len(chains) > 1):
                continue  # a comment, or a line break inside brackets
            if kind == "op":
                chains[-1] += 1
                depth += 1
            elif kind == "open":
                chains[-1] += 1
                chains.append(0)
                depth += 2
            elif kind == "close":
                if len(chains) > 1:
                    depth -= chains.pop() + 1  # its chain and itself; its link stays
            elif kind == "bad":
                return MAX_PARSE_DEPTH + 1
            else:  # a separator, or a line end outside brackets
                depth -= chains[-1]
                chains[-1] = 0
        if depth > deepest:
            deepest = depth
            if deepest > MAX_PARSE_DEPTH:
                return deepest
    return deepest


__all__ = ["MAX_PARSE_DEPTH", "nesting_depth"]
