"""Property tests of the Python fixer: any mix of fixable shapes, with any line endings and
surrounding text, comes out parsing, free of keys, clean on rescan, and stable on a second
run."""

from __future__ import annotations

import ast
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from autype_guard import scan_text
from autype_guard.fixes.apply import fix_source
from autype_guard.keys import is_real_key

KEY = (
    st.text(alphabet=string.ascii_letters + string.digits, min_size=20, max_size=40)
    .map(lambda body: "ak_" + body)
    .filter(is_real_key)
)
# Text around a key inside a string literal: no quotes, backslashes or line breaks; braces
# only where the literal is not an f-string (they must be escaped when it becomes one).
PLAIN = st.text(alphabet=string.ascii_letters + " -./:?=&{}", max_size=12)
FSTRING = st.text(alphabet=string.ascii_letters + " -./:?=&", max_size=12)

SHAPES = [
    'KEY_{i} = "{k}"',
    "key_{i}: str = '{k}'",
    'client_{i} = Client(api_key="{k}", n={i})',
    'headers_{i} = {{"X-API-Key": "{k}"}}',
    'url_{i} = f"{fs} {k} {fs}{{page}}"',
    'url_{i} = "{p} {k} {p}"',
    'joined_{i} = "{k1}" + "{k2}"',
    'implicit_{i} = ("{k1}"\n    "{k2}")',
    'fallback_{i} = os.environ.get("AUTYPE_KEY_{i}", "{k}")',
    'def make_{i}(a, key="{k}"):\n    """Doc."""\n    return key',
    "class Conf{i}:\n    TOKEN = '{k}'",
    "# old key: {k}",
]


@st.composite
def modules(draw: st.DrawFn) -> tuple[str, list[str]]:
    count = draw(st.integers(min_value=1, max_value=5))
    keys = []
    lines = []
    if draw(st.booleans()):
        lines.append('"""A module."""')
    if draw(st.booleans()):
        lines.append("from __future__ import annotations")
    lines.append(draw(st.sampled_from(["", "import os", "import os as system", "import sys"])))
    for i in range(count):
        shape = draw(st.sampled_from(SHAPES))
        key = draw(KEY)
        keys.append(key)
        lines.append(
            shape.format(i=i, k=key, k1=key[:9], k2=key[9:], p=draw(PLAIN), fs=draw(FSTRING))
        )
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return ("\n".join(lines) + "\n").replace("\n", newline), keys


@settings(max_examples=40, deadline=None)
@given(modules())
def test_fixed_module_parses_holds_no_key_and_is_stable(case: tuple[str, list[str]]) -> None:
    source, keys = case
    fixed = fix_source(source, "app.py")
    ast.parse(fixed)
    for key in keys:
        assert key not in fixed
    assert scan_text(fixed, "app.py").findings == []
    assert fix_source(fixed, "app.py") == fixed
    if "\r\n" in source:
        assert fixed.count("\n") == fixed.count("\r\n")
