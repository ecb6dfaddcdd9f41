"""What `scan`, `fix` and `baseline` can be asked to do: each option declared once.

Every field of `Options` that is a command-line option carries its flags, help text, value
type and the commands that take it (see `option`); its default is the option's default.
cli.py builds the click options of each command from these fields, in field order, and
turns click's keyword arguments back into `Options` with `from_command_line`. Nothing here
imports click.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields
from typing import Any, Optional, TypeVar, Union

from .baseline import DEFAULT_BASELINE
from .model import Severity
from .report import FORMATS
from .run import VERIFY_TIMEOUT

SCAN, FIX, BASELINE, MERGE = "scan", "fix", "baseline", "merge"
SEVERITIES = tuple(s.value for s in Severity)


# The value types options use, named after the click types cli.py turns them into.
@dataclass(frozen=True)
class Choice:
    """One of these words."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class File:
    """A path to a file (not a directory); it need not exist."""


@dataclass(frozen=True)
class IntRange:
    """An integer of at least `min`."""

    min: int


@dataclass(frozen=True)
class FloatRange:
    """A number from `min` to `max`; with `min_open`, greater than `min`."""

    min: float
    max: float
    min_open: bool = False


ValueType = Union[Choice, File, IntRange, FloatRange]
FILE = File()


@dataclass(frozen=True)
class OptionSpec:
    """How one field of Options is given on the command line. A field whose default is a
    bool is a flag, one whose default is a tuple a repeatable option."""

    flags: tuple[str, ...]
    help: Optional[str]
    commands: tuple[str, ...]
    # Other help wording for some commands, as (command, help) pairs.
    help_for: tuple[tuple[str, str], ...] = ()
    type: Optional[ValueType] = None
    metavar: Optional[str] = None
    show_default: bool = False
    # Turns the command-line value into the field's value (applied to the default too).
    convert: Optional[Callable[[Any], Any]] = None

    def help_in(self, command: str) -> Optional[str]:
        return dict(self.help_for).get(command, self.help)


_SPEC = "autype_guard.option"
T = TypeVar("T")


def option(
    *flags: str,
    default: T,
    help: Optional[str] = None,
    commands: tuple[str, ...] = (SCAN,),
    help_for: tuple[tuple[str, str], ...] = (),
    type: Optional[ValueType] = None,
    metavar: Optional[str] = None,
    show_default: bool = False,
    convert: Optional[Callable[[Any], Any]] = None,
) -> T:
    """A field of Options that is the command-line option `flags` of `commands` (default:
    only `scan`), with this default."""
    spec = OptionSpec(flags, help, commands, help_for, type, metavar, show_default, convert)
    return field(default=default, metadata={_SPEC: spec})


def split_codes(values: tuple[str, ...]) -> tuple[str, ...]:
    """Rule codes given as repeated and/or comma-separated values."""
    return tuple(code for value in values for code in value.split(",") if code.strip())


_ALL = (SCAN, FIX, BASELINE)


@dataclass(frozen=True)
class Options:
    """Everything `scan`, `fix` or `baseline` was asked to do, parsed from the command line.

    The fields are in the order the commands' --help lists them."""

    paths: tuple[str, ...]
    output_format: str = option(
        "--format",
        default="text",
        commands=(SCAN, MERGE),
        type=Choice(FORMATS),
        show_default=True,
    )
    output: Optional[str] = option(
        "-o",
        "--output",
        default=None,
        commands=(SCAN, MERGE),
        type=FILE,
        help="Write the report here.",
    )
    # `baseline`: the file it writes, and --update.
    baseline_output: str = option(
        "-o",
        "--output",
        default=DEFAULT_BASELINE,
        commands=(BASELINE,),
        type=FILE,
        show_default=True,
        help="The baseline file to write.",
    )
    update: bool = option(
        "--update",
        default=False,
        commands=(BASELINE,),
        help="Only prune entries whose findings are gone; accept no new findings.",
    )
    # (RUF009: option() is a dataclasses.field; ruff only knows the builtin types are immutable.)
    fail_on: Severity = option(  # noqa: RUF009
        "--fail-on",
        default=Severity.LOW,
        commands=(SCAN, MERGE),
        type=Choice(SEVERITIES),
        show_default=True,
        convert=Severity,
        help="Exit 1 when a finding is at least this severe.",
    )
    exit_zero: bool = option(
        "--exit-zero",
        default=False,
        commands=(SCAN, MERGE),
        help="Exit 0 even when findings are reported (errors still exit 2).",
    )
    quiet: bool = option(
        "-q",
        "--quiet",
        default=False,
        help="Text format: only each finding's location line; no summary when nothing is found.",
    )
    statistics: bool = option(
        "--statistics",
        default=False,
        help="Print a count per rule (count, code, name) instead of the findings.",
    )
    # `fix`: --diff instead of writing, and where keys go.
    diff: bool = option(
        "--diff",
        default=False,
        commands=(FIX,),
        help="Show the changes as a unified diff; write nothing.",
    )
    env_file: Optional[str] = option(
        "--env-file",
        default=None,
        commands=(FIX,),
        type=FILE,
        help="Where moved keys go (default: .env at the repository root).",
    )
    env_var: Optional[str] = option(
        "--env-var",
        default=None,
        commands=(FIX,),
        help="Variable name for keys without a name of their own.",
    )
    show_secrets: bool = option(
        "--show-secrets",
        default=False,
        commands=(SCAN, FIX),
        help="Print keys in full (never in CI logs).",
        help_for=((FIX, "Show keys in full in the --diff output."),),
    )
    show_placeholders: bool = option(
        "--show-placeholders", default=False, help="List placeholders at info level."
    )
    select: tuple[str, ...] = option(
        "--select",
        default=(),
        commands=_ALL,
        convert=split_codes,
        help="Only these rule codes (comma-separated).",
    )
    ignore: tuple[str, ...] = option(
        "--ignore",
        default=(),
        commands=_ALL,
        convert=split_codes,
        help="Skip these rule codes (comma-separated).",
    )
    exclude: tuple[str, ...] = option(
        "--exclude", default=(), commands=_ALL, help="Extra glob to exclude (repeatable)."
    )
    no_ignore: bool = option(
        "--no-ignore",
        default=False,
        commands=_ALL,
        help="Also scan files ignored by git.",
        help_for=((FIX, "Also fix files ignored by git."),),
    )
    no_inline_ignore: bool = option(
        "--no-inline-ignore", default=False, help="Disregard suppression comments."
    )
    stdin_filename: Optional[str] = option(
        "--stdin-filename",
        default=None,
        help="With PATH '-': scan stdin as if it were this file.",
    )
    config_file: Optional[str] = option(
        "--config", default=None, commands=_ALL, type=FILE, help="Config file."
    )
    color: Optional[bool] = option(
        "--color/--no-color",
        default=None,
        commands=(SCAN, FIX),
        help="Force colour on or off (default: on a terminal unless NO_COLOR is set).",
    )
    allow_unreadable: bool = option(
        "--allow-unreadable",
        default=False,
        commands=(SCAN, MERGE),
        help="Do not exit 2 for files that could not be read.",
        help_for=((MERGE, "Do not exit 2 when a report lists files that could not be read."),),
    )
    jobs: int = option(
        "-j",
        "--jobs",
        default=0,
        type=IntRange(min=0),
        help="Worker processes; 0 (default): one per core, 1: scan in this process.",
    )
    # The opt-in live check (`--verify` and the options that only make sense with it).
    verify: bool = option(
        "--verify",
        default=False,
        help="Live check: send each distinct real key once to the Autype API (X-API-Key header)"
        " to learn whether it is live, revoked or unknown. Off unless given.",
    )
    api_url: Optional[str] = option(
        "--api-url",
        default=None,
        metavar="URL",
        help="With --verify: the Autype API base URL (default: $AUTYPE_GUARD_API_URL, else"
        " Autype's public API). https:// only, except loopback hosts.",
    )
    verify_timeout: Optional[float] = option(
        "--verify-timeout",
        default=None,
        type=FloatRange(0, 60, min_open=True),
        metavar="SECONDS",
        help=f"With --verify: per-request deadline, whole request [default: {VERIFY_TIMEOUT:g}].",
    )
    fail_on_live_only: bool = option(
        "--fail-on-live-only",
        default=False,
        help="With --verify: exit 1 only for keys found live (revoked or unknown keys pass).",
    )
    baseline: Optional[str] = option(
        "--baseline",
        default=None,
        type=FILE,
        help="Report only findings not accepted in this baseline file.",
    )
    # Git-aware scans (see sources/git.py) and the progress bar.
    staged: bool = option(
        "--staged", default=False, help="Scan what is staged in the git index (git hooks)."
    )
    since: Optional[str] = option(
        "--since",
        default=None,
        metavar="REV",
        help="Only files changed since REV; with --history, only commits after REV.",
    )
    history: bool = option(
        "--history",
        default=False,
        help="Scan every blob in the history of all refs (audits).",
    )
    cache: Optional[str] = option(
        "--cache",
        default=None,
        type=FILE,
        help="With --history: an SQLite file of what earlier runs scanned; only new blobs"
        " are scanned, earlier findings still reported.",
    )
    shard: Optional[str] = option(
        "--shard",
        default=None,
        metavar="K/N",
        help="Scan only share K of N of the files (with --history: of the blobs); merge the"
        " N reports with `autype-guard merge`.",
    )
    no_progress: bool = option("--no-progress", default=False, help="Never draw a progress bar.")
    pathspecs: tuple[str, ...] = ()  # PATHS exactly as given (empty: the whole repository)


def spec_of(item: Field[Any]) -> Optional[OptionSpec]:
    """The option a field of Options is; None for PATHS and what is derived from them."""
    spec: Optional[OptionSpec] = item.metadata.get(_SPEC)
    return spec


def all_options() -> list[tuple[Field[Any], OptionSpec]]:
    """The fields of Options that are command-line options, in --help order."""
    found = ((item, spec_of(item)) for item in fields(Options))
    return [(item, spec) for item, spec in found if spec is not None]


def options_of(command: str) -> list[tuple[Field[Any], OptionSpec]]:
    """The fields of Options that `command` takes as options, in --help order."""
    return [(item, spec) for item, spec in all_options() if command in spec.commands]


def from_command_line(values: Mapping[str, Any]) -> Options:
    """The Options of a command from click's keyword arguments (PATHS and the command's
    options); options the command does not take keep their defaults."""
    convert = {item.name: spec.convert for item, spec in all_options() if spec.convert}
    paths: tuple[str, ...] = tuple(values["paths"])
    given = {
        name: convert[name](value) if name in convert else value
        for name, value in values.items()
        if name != "paths"
    }
    return Options(paths=paths or (".",), pathspecs=paths, **given)
