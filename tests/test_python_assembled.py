"""Keys assembled by expressions in Python: joins, formats, f-strings and constant names."""

from __future__ import annotations

import pytest

from autype_guard import scan_text
from autype_guard.fixes.apply import fix_source
from autype_guard.keys import KeyMatcher
from autype_guard.model import Span

from .conftest import fake_key
from .test_keys import grows_linearly


def _findings(source: str) -> list[tuple[str, Span, str]]:
    return [(f.code, f.span, f.encoding) for f in scan_text(source, "app.py").findings]


def _span_of(source: str, expression: str) -> Span:
    """The span of the first occurrence of `expression` (on one line) in `source`."""
    start = source.index(expression)
    line = source.count("\n", 0, start) + 1
    col = start - (source.rfind("\n", 0, start) + 1) + 1
    return Span.of((line, col), (line, col + len(expression)))


@pytest.mark.parametrize(
    ("template", "expression"),
    [
        ('PREFIX = "ak_"\nKEY = PREFIX + "{b}"\n', 'PREFIX + "{b}"'),
        ('P = "ak"\nKEY = P + "_{b}"\n', 'P + "_{b}"'),
        ('PREFIX = "ak_"\nBODY = "{b}"\nKEY = PREFIX + BODY\n', "PREFIX + BODY"),
        ('KEY = "".join(["ak_", "{b}"])\n', '"".join(["ak_", "{b}"])'),
        ('KEY = "".join(("ak_", "{b}"))\n', '"".join(("ak_", "{b}"))'),
        ('KEY = "_".join(["ak", "{b}"])\n', '"_".join(["ak", "{b}"])'),
        ('KEY = "{{}}{{}}".format("ak_", "{b}")\n', '"{{}}{{}}".format("ak_", "{b}")'),
        (
            'KEY = "{{a}}_{{b}}".format(a="ak", b="{b}")\n',
            '"{{a}}_{{b}}".format(a="ak", b="{b}")',
        ),
        ('KEY = "ak_%s" % "{b}"\n', '"ak_%s" % "{b}"'),
        ('KEY = "%s_%s" % ("ak", "{b}")\n', '"%s_%s" % ("ak", "{b}")'),
        ('BODY = "{b}"\nKEY = f"ak_{{BODY}}"\n', 'f"ak_{{BODY}}"'),
        ("KEY = f\"ak_{{'{b}'}}\"\n", "f\"ak_{{'{b}'}}\""),
        ('KEY = b"ak_" b"{b}".decode()\n', 'b"ak_" b"{b}".decode()'),
        ('KEY = (b"ak_" + b"{b}").decode("utf-8")\n', '(b"ak_" + b"{b}").decode("utf-8")'),
        ('class Config:\n    P = "ak_"\n    KEY = P + "{b}"\n', 'P + "{b}"'),
        ('PREFIX = "ak_"\ndef client():\n    return Client(PREFIX + "{b}")\n', 'PREFIX + "{b}"'),
        ('PREFIX = "ak_"\nURL = PREFIX + "{b}" + "/x"\n', 'PREFIX + "{b}"'),
    ],
)
def test_key_completed_by_an_expression_is_reported_at_it(template: str, expression: str) -> None:
    body = fake_key()[3:]
    source = template.format(b=body)
    findings = _findings(source)
    assert findings == [("AG101", _span_of(source, expression.format(b=body)), "assembled")]


def test_expression_over_lines_is_reported_on_its_first_line() -> None:
    body = fake_key()[3:]
    source = f'PREFIX = "ak_"\nKEY = "".join(\n    [PREFIX, "{body}"]\n)\n'
    ((code, span, _),) = _findings(source)
    assert (code, span.start.line, span.start.column) == ("AG101", 2, 7)


@pytest.mark.parametrize(
    "template",
    [
        # Reassigned, bound in a loop, augmented, a parameter, global: not constant.
        'PREFIX = "ak_"\nPREFIX = "sk_"\nKEY = PREFIX + "{b}"\n',
        'for PREFIX in ["ak_"]:\n    pass\nKEY = PREFIX + "{b}"\n',
        'while True:\n    PREFIX = "ak_"\nKEY = PREFIX + "{b}"\n',
        'PREFIX = "a"\nPREFIX += "k_"\nKEY = PREFIX + "{b}"\n',
        'PREFIX = "ak_"\ndef f(PREFIX):\n    return PREFIX + "{b}"\n',
        'PREFIX = "ak_"\ndef f():\n    global PREFIX\n    PREFIX = "x"\nKEY = PREFIX + "{b}"\n',
        'def f():\n    PREFIX = "ak_"\n    return PREFIX + "{b}"\n',
        # No key: a word glued before, a short body, other conversions, unknown names.
        'KEY = "".join(["peak_", "{b}"])\n',
        'KEY = "".join(["ak_", "short"])\n',
        'KEY = "ak_%d" % 12\n',
        'KEY = "{{:>3}}{{}}".format("ak_", "{b}")\n',
        'KEY = "{{0.x}}{{1}}".format("ak_", "{b}")\n',
        'KEY = "ak_" + os.environ["BODY"]\n',
        'KEY = f"ak_{{body!r}}"\n',
    ],
)
def test_no_key_unless_the_expression_is_constant(template: str) -> None:
    source = template.format(b=fake_key()[3:])
    assert _findings(source) == []


def test_placeholder_assembled_is_not_a_finding() -> None:
    source = 'PREFIX = "ak_"\nEXAMPLE = PREFIX + "your_api_key_here"\n'
    assert _findings(source) == []


def test_key_used_after_being_completed_is_reported_once() -> None:
    body = fake_key()[3:]
    source = (
        f'PREFIX = "ak_"\nKEY = PREFIX + "{body}"\n'
        'HEADERS = {"X-API-Key": KEY}\nURL = "https://x/?k=%s" % KEY\nK2 = f"{KEY}"\n'
    )
    assert [s.start.line for _, s, _ in _findings(source)] == [2]


def test_evaluation_is_bounded_on_long_chains_of_names() -> None:
    # Each name doubles the one before: values are capped, nothing explodes.
    lines = ['A0 = "ak_"']
    lines += [f"A{i} = A{i - 1} + A{i - 1}" for i in range(1, 200)]
    source = "\n".join(lines) + "\n"
    assert _findings(source) == []


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            'PREFIX = "ak_"\nKEY = PREFIX + "{b}"\n',
            'import os\n\nPREFIX = "ak_"\nKEY = os.environ["AUTYPE_API_KEY"]\n',
        ),
        (
            'KEY = "".join(["ak_", "{b}"])\n',
            'import os\n\nKEY = os.environ["AUTYPE_API_KEY"]\n',
        ),
        (
            'PREFIX = "ak_"\nBODY = "{b}"\nURL = "https://x/" + f"{{PREFIX}}{{BODY}}" + "/v"\n',
            'import os\n\nPREFIX = "ak_"\nBODY = "{b}"\n'
            'URL = "https://x/" + os.environ["AUTYPE_API_KEY"] + "/v"\n',
        ),
        (
            'KEY = "".join(\n    ["ak_", "{b}"]\n)\n',
            'import os\n\nKEY = (os.environ["AUTYPE_API_KEY"])\n',
        ),
    ],
)
def test_fix_replaces_the_expression_that_assembles_the_key(template: str, expected: str) -> None:
    body = fake_key()[3:]
    source = template.format(b=body)
    assert fix_source(source, "app.py") == expected.format(b=body)


def test_fix_leaves_an_expression_that_builds_more_than_the_key() -> None:
    body = fake_key()[3:]
    source = f'PREFIX = "ak_"\nHEADER = "key=%s%s" % (PREFIX, "{body}")\n'
    assert fix_source(source, "app.py") == source


def test_fix_leaves_an_assembled_parameter_default() -> None:
    body = fake_key()[3:]
    source = f'P = "ak_"\ndef connect(key=P + "{body}"):\n    return key\n'
    assert fix_source(source, "app.py") == source


@pytest.mark.parametrize(
    "source",
    [
        'PREFIX = "ak_"\n',
        'KEY = "".join(["ak", BODY])\nBODY = "_3hQ9xLr2mN8pQ4vW7yZ1aB5cD0e"\n',
        'KEY = "_".join(["ak", BODY])\n',
        'KEY = "%s_%s" % ("ak", BODY)\n',
        'KEY = "ak_%s" % BODY\n',
        'KEY = f"ak_{BODY}"\n',
        'KEY = "{}{}".format("ak_", BODY)  # why\n',
    ],
)
def test_files_whose_key_may_be_assembled_reach_the_parser(source: str) -> None:
    assert KeyMatcher().has_open_key_start(source)


@pytest.mark.parametrize(
    "source",
    [
        "locales = {'ak_gh': 'ak_GH.UTF-8', 'ak': 'Akan'}\n",
        'import weak_ref\nbreak_ = "break"\n',
        # a bare "ak" with nothing near or in the file that could bring the underscore
        'KEY = "".join(["ak", BODY])\n',
        'SYLLABLES = ["aj", "ac", "ak", "at"]\n',
        'a_0 = [Among(u"ak", -1, 1), Among(u"ek", -1, 1)]\n',
        # words of other alphabets ending in "ak"
        'NAMES = ["Działak", "avšak", "Čak"]\n',
    ],
)
def test_files_without_an_assembling_literal_do_not(source: str) -> None:
    assert not KeyMatcher().has_open_key_start(source)


@pytest.mark.parametrize("unit", ["'ak': ", "ak_ak_", '"ak_x"x '])
def test_assembly_pre_check_is_linear(unit: str) -> None:
    from autype_guard.keys import _may_assemble_key

    assert grows_linearly(_may_assemble_key, unit * 5_000, unit * 40_000)
