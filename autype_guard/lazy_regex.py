"""Regular expressions compiled when first used, not when their module is imported.

Compiling a pattern costs Python's `re` tens to hundreds of microseconds, and the rules, the
exposure checks and the key spellings declare a few hundred of them; a scan of a tree uses a
fraction (those of the file kinds and markers it meets). Compiling them all at import was a
sixth of a run's start-up. `lazy_compile` returns a stand-in that compiles its pattern on
the first use of any method and then holds the compiled pattern's bound methods itself, so
later calls cost what calls on a compiled pattern cost.

The stand-in is typed as the `re.Pattern` it stands for and offers its methods and
attributes, but it is not one: pass it to no `re` function (`re.sub(p, ...)`) and test no
`isinstance(p, re.Pattern)`; call its methods (`p.sub(...)`).
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, Union, cast

# The methods and attributes a use looks up, held on the stand-in once compiled.
_FORWARDED = (
    "search",
    "match",
    "fullmatch",
    "finditer",
    "findall",
    "sub",
    "subn",
    "split",
    "scanner",
    "groups",
    "groupindex",
)


class _LazyPattern:
    """A pattern and its flags, compiled by the first lookup of anything else."""

    def __init__(self, pattern: Union[str, bytes], flags: int) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str) -> Any:
        # Only called for what the instance does not hold yet: the first use.
        if name.startswith("__"):
            raise AttributeError(name)  # copy, pickle and friends probe for these
        compiled = re.compile(self.pattern, self.flags)
        self.__dict__.update({attr: getattr(compiled, attr) for attr in _FORWARDED})
        self.flags = compiled.flags
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_compile({self.pattern!r}, {self.flags!r})"


def lazy_compile(pattern: AnyStr, flags: Union[int, re.RegexFlag] = 0) -> re.Pattern[AnyStr]:
    """`re.compile(pattern, flags)`, done when the result is first used (see the module's
    docstring for what the stand-in is not)."""
    return cast("re.Pattern[AnyStr]", _LazyPattern(pattern, int(flags)))


__all__ = ["lazy_compile"]
