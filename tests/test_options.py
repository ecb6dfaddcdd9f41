"""The options of `scan`, `fix` and `baseline` are declared once, in autype_guard/options.py:
the click options must be exactly those fields, with the same defaults and help text."""

from __future__ import annotations

import dataclasses
from typing import Any

import click
import pytest
from click.testing import CliRunner

from autype_guard import cli as cli_module
from autype_guard.cli import cli
from autype_guard.model import Severity
from autype_guard.options import (
    BASELINE,
    FIX,
    MERGE,
    SCAN,
    SCAN_URL,
    Options,
    all_options,
    from_command_line,
    options_of,
)

COMMANDS = (SCAN, FIX, BASELINE, SCAN_URL, MERGE)


def _command(name: str) -> click.Command:
    command = cli.commands[name]
    assert isinstance(command, click.Command)
    return command


def _click_options(name: str) -> list[click.Option]:
    return [p for p in _command(name).params if isinstance(p, click.Option) and p.name != "help"]


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_takes_exactly_the_fields_that_declare_it_in_field_order(name: str) -> None:
    declared = [(item.name, spec.flags) for item, spec in options_of(name)]
    taken = [(p.name, tuple(p.opts) + tuple(p.secondary_opts)) for p in _click_options(name)]
    assert taken == [
        (field_name, tuple(flag for decl in flags for flag in decl.split("/")))
        for field_name, flags in declared
    ]
    flags_taken = [flag for _, flags in taken for flag in flags]
    assert len(flags_taken) == len(set(flags_taken)), "two options share a flag"


def test_every_option_field_belongs_to_a_command() -> None:
    for item, spec in all_options():
        assert spec.commands, item.name
        assert set(spec.commands) <= set(COMMANDS), item.name
    # Only PATHS and what is derived from them are not options.
    options = {item.name for item, _ in all_options()}
    others = {item.name for item in dataclasses.fields(Options)} - options
    assert others == {"paths", "pathspecs", "urls"}


@pytest.mark.parametrize("name", COMMANDS)
def test_click_defaults_are_the_dataclass_defaults(name: str) -> None:
    ctx = click.Context(_command(name))
    for item, spec in options_of(name):
        (param,) = [p for p in _click_options(name) if p.name == item.name]
        value = param.type_cast_value(ctx, param.get_default(ctx))
        if spec.convert is not None:
            value = spec.convert(value)
        assert value == item.default, item.name


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[Options]:
    """The Options each command run builds, instead of running it."""
    seen: list[Options] = []

    def record(opts: Options, *args: Any) -> Any:
        seen.append(opts)
        raise SystemExit(0)

    monkeypatch.setattr(cli_module, "run_scan", record)
    monkeypatch.setattr(cli_module, "run_fix", record)
    monkeypatch.setattr(cli_module, "collect", record)
    monkeypatch.setattr(cli_module, "run_merge", record)
    return seen


@pytest.mark.parametrize("name", COMMANDS)
def test_a_command_without_options_gets_the_dataclass_defaults(
    name: str, parsed: list[Options]
) -> None:
    urls = ("http://127.0.0.1:4173/",) if name == SCAN_URL else ()
    result = CliRunner().invoke(cli, [name, *urls])
    assert result.exit_code == 0, result.output
    assert parsed == [Options(paths=(".",), urls=urls)]


def test_scan_url_needs_a_url_and_takes_sizes(parsed: list[Options]) -> None:
    result = CliRunner().invoke(cli, [SCAN_URL])
    assert result.exit_code == 2
    assert parsed == []
    args = [SCAN_URL, "http://h/", "--max-bytes", "2M", "--max-file-bytes", "500k"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert (parsed[0].max_bytes, parsed[0].max_file_bytes) == (2 << 20, 500 << 10)
    result = CliRunner().invoke(cli, [SCAN_URL, "http://h/", "--max-bytes", "lots"])
    assert result.exit_code == 2
    assert "not a size" in result.output


def test_command_line_values_are_converted(parsed: list[Options]) -> None:
    args = ["scan", "src", "--fail-on", "high", "--select", "AG101,AG102", "--select", "AG2"]
    result = CliRunner().invoke(cli, [*args, "--ignore", "AG3,", "--no-color", "-j", "2"])
    assert result.exit_code == 0, result.output
    assert parsed == [
        Options(
            paths=("src",),
            pathspecs=("src",),
            fail_on=Severity.HIGH,
            select=("AG101", "AG102", "AG2"),
            ignore=("AG3",),
            color=False,
            jobs=2,
        )
    ]
    assert from_command_line({"paths": ()}) == Options(paths=(".",), pathspecs=())


def _help(name: str) -> list[str]:
    """The entries of `name --help`'s option list, each on one line."""
    result = CliRunner().invoke(cli, [name, "--help"], terminal_width=1000, max_content_width=1000)
    assert result.exit_code == 0
    entries: list[str] = []
    for line in result.output.split("Options:\n", 1)[1].splitlines():
        if line.startswith("  -"):
            entries.append(line.strip())
        else:  # the help text of a long option starts on the next line
            entries[-1] += " " + line.strip()
    return entries


@pytest.mark.parametrize("name", COMMANDS)
def test_help_lists_each_option_with_its_help_text_and_default(name: str) -> None:
    entries = _help(name)
    for item, spec in options_of(name):
        shown = ", ".join(spec.flags).replace("/", " / ")
        (entry,) = [x for x in entries if x == shown or x.startswith(shown + " ")]
        text = spec.help_in(name)
        if text is not None:
            assert text in entry, item.name
        if spec.show_default:
            default = getattr(item.default, "value", item.default)
            assert f"[default: {default}]" in entry, item.name


def test_scan_help_keeps_its_wording() -> None:
    text = "\n".join(_help(SCAN))
    for expected in (
        "--format [text|json|sarif|github|gitlab|html]",
        "-o, --output FILE",
        "Exit 1 when a finding is at least this severe.  [default: low]",
        "Print keys in full (never in CI logs).",
        "-j, --jobs INTEGER RANGE",
        "--verify-timeout SECONDS",
        "With --verify: per-request deadline, whole request [default: 5].",
        "--color / --no-color",
    ):
        assert expected in text
    fix_help = "\n".join(_help(FIX))
    assert "Show keys in full in the --diff output." in fix_help
    assert "Also fix files ignored by git." in fix_help
    assert "[default: .autype-guard-baseline.json]" in "\n".join(_help(BASELINE))
