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

SCAN, FIX, BASELINE, SCAN_URL, MERGE = "scan", "fix", "baseline", "scan-url", "merge"
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


@dataclass(frozen=True)
class Size:
    """A size in bytes: a whole number, optionally with a k, M or G suffix (1024-based)."""


ValueType = Union[Choice, File, IntRange, FloatRange, Size]
FILE = File()
SIZE = Size()
_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_size(value: Union[int, str]) -> int:
    """`32M` -> 33554432; raises ValueError for anything but a positive size."""
    if isinstance(value, int):
        return value
    text = value.strip().lower().removesuffix("b")
    number, unit = (text[:-1], text[-1]) if text[-1:] in "kmg" else (text, "")
    if not number.isdigit() or int(number) <= 0:
        raise ValueError(f"{value!r} is not a size such as 500k, 32M or 1G")
    return int(number) * _SIZE_UNITS[unit]


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
_SCANS = (SCAN, SCAN_URL)
# What renders a report and exits by its findings: the scans, and `merge`.
_REPORTS = (SCAN, SCAN_URL, MERGE)
# What fetching a site takes: `scan-url`, and `baseline` given URLs.
_URL_SCANS = (SCAN_URL, BASELINE)


@dataclass(frozen=True)
class Options:
    """Everything `scan`, `fix` or `baseline` was asked to do, parsed from the command line.

    The fields are in the order the commands' --help lists them."""

    paths: tuple[str, ...]
    output_format: str = option(
        "--format", default="text", type=Choice(FORMATS), show_default=True, commands=_REPORTS
    )
    output: Optional[str] = option(
        "-o", "--output", default=None, type=FILE, help="Write the report here.", commands=_REPORTS
    )
    reports: tuple[str, ...] = option(
        "--report",
        default=(),
        metavar="FORMAT=PATH",
        help="Also write a report in FORMAT to PATH ('-': stdout); repeatable. Given alone,"
        " these are the only reports.",
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
        commands=_REPORTS,
        type=Choice(SEVERITIES),
        show_default=True,
        convert=Severity,
        help="Exit 1 when a finding is at least this severe.",
    )
    exit_zero: bool = option(
        "--exit-zero",
        default=False,
        commands=_REPORTS,
        help="Exit 0 even when findings are reported (errors still exit 2).",
    )
    quiet: bool = option(
        "-q",
        "--quiet",
        default=False,
        help="Text format: only each finding's location line; no summary when nothing is found.",
        commands=_SCANS,
    )
    verbose: bool = option(
        "-v",
        "--verbose",
        default=False,
        help="Also list on stderr the paths passed over (excluded, ignored by git, binary,"
        " symlinks), with the reason.",
    )
    statistics: bool = option(
        "--statistics",
        default=False,
        help="Print a count per rule (count, code, name) instead of the findings.",
        commands=_SCANS,
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
        commands=(SCAN, FIX, SCAN_URL),
        help="Print keys in full (never in CI logs).",
        help_for=((FIX, "Show keys in full in the --diff output."),),
    )
    show_placeholders: bool = option(
        "--show-placeholders",
        default=False,
        help="List placeholders at info level.",
        commands=_SCANS,
    )
    select: tuple[str, ...] = option(
        "--select",
        default=(),
        commands=(*_ALL, SCAN_URL),
        convert=split_codes,
        help="Only these rule codes (comma-separated).",
    )
    ignore: tuple[str, ...] = option(
        "--ignore",
        default=(),
        commands=(*_ALL, SCAN_URL),
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
        "--no-inline-ignore", default=False, help="Disregard suppression comments.", commands=_SCANS
    )
    stdin_filename: Optional[str] = option(
        "--stdin-filename",
        default=None,
        help="With PATH '-': scan stdin as if it were this file.",
    )
    config_file: Optional[str] = option(
        "--config", default=None, commands=(*_ALL, SCAN_URL), type=FILE, help="Config file."
    )
    color: Optional[bool] = option(
        "--color/--no-color",
        default=None,
        commands=(SCAN, FIX, SCAN_URL),
        help="Force colour on or off (default: on a terminal unless NO_COLOR is set).",
    )
    allow_unreadable: bool = option(
        "--allow-unreadable",
        default=False,
        commands=_REPORTS,
        help="Do not exit 2 for files that could not be read.",
        help_for=((MERGE, "Do not exit 2 when a report lists files that could not be read."),),
    )
    jobs: int = option(
        "-j",
        "--jobs",
        default=0,
        type=IntRange(min=0),
        help="Worker processes; 0 (default): one per core, 1: scan in this process.",
        commands=_SCANS,
    )
    # The opt-in live check (`--verify` and the options that only make sense with it).
    verify: bool = option(
        "--verify",
        default=False,
        help="Live check: send each distinct real key once to the Autype API (X-API-Key header)"
        " to learn whether it is live, revoked or unknown. Off unless given.",
        commands=_SCANS,
    )
    api_url: Optional[str] = option(
        "--api-url",
        default=None,
        metavar="URL",
        help="With --verify: the Autype API base URL (default: $AUTYPE_GUARD_API_URL, else"
        " Autype's public API). https:// only, except loopback hosts.",
        commands=_SCANS,
    )
    verify_timeout: Optional[float] = option(
        "--verify-timeout",
        default=None,
        type=FloatRange(0, 60, min_open=True),
        metavar="SECONDS",
        help=f"With --verify: per-request deadline, whole request [default: {VERIFY_TIMEOUT:g}].",
        commands=_SCANS,
    )
    fail_on_live_only: bool = option(
        "--fail-on-live-only",
        default=False,
        help="With --verify: exit 1 only for keys found live (revoked or unknown keys pass).",
        commands=_SCANS,
    )
    baseline: Optional[str] = option(
        "--baseline",
        default=None,
        type=FILE,
        help="Report only findings not accepted in this baseline file.",
        commands=_SCANS,
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
    pre_push: bool = option(
        "--pre-push",
        default=False,
        help="Scan the commits being pushed (git's pre-push input on stdin, or pre-commit's"
        " PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF), not the work tree.",
    )
    # Container images (see sources/image.py).
    images: tuple[str, ...] = option(
        "--image",
        default=(),
        commands=(SCAN, BASELINE),
        metavar="PATH",
        help="Scan a container image instead of PATHS: an archive as `docker save` writes"
        " it, an OCI image layout (directory or tar) or docker://NAME[:TAG] (saved with"
        " docker or podman). Repeatable.",
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
    # `scan-url`: how far to follow a deployed site, where and what may be fetched.
    depth: int = option(
        "--depth",
        default=0,
        commands=_URL_SCANS,
        type=IntRange(min=0),
        help="Also follow same-origin pages linked from the start pages, this many links deep"
        " [default: 0].",
    )
    allow_origin: tuple[str, ...] = option(
        "--allow-origin",
        default=(),
        commands=_URL_SCANS,
        metavar="HOST",
        help="Also fetch from this host or scheme://host:port, e.g. a CDN (repeatable).",
    )
    header: tuple[str, ...] = option(
        "--header",
        default=(),
        commands=_URL_SCANS,
        metavar="'NAME: VALUE'",
        help="Send this header to the start URLs' origins only, over https or to loopback"
        " (repeatable).",
    )
    cookie: Optional[str] = option(
        "--cookie",
        default=None,
        commands=_URL_SCANS,
        metavar="'NAME=VALUE; ...'",
        help="Send this Cookie header, like --header.",
    )
    timeout: float = option(
        "--timeout",
        default=10.0,
        commands=_URL_SCANS,
        type=FloatRange(0, 600, min_open=True),
        metavar="SECONDS",
        help="Deadline of one request, whole response [default: 10].",
    )
    deadline: float = option(
        "--deadline",
        default=120.0,
        commands=_URL_SCANS,
        type=FloatRange(0, 86400, min_open=True),
        metavar="SECONDS",
        help="Deadline of the whole run; what is not fetched by then is an error [default: 120].",
    )
    concurrency: int = option(
        "--concurrency",
        default=8,
        commands=_URL_SCANS,
        type=IntRange(min=1),
        help="Requests at once [default: 8].",
    )
    max_files: int = option(
        "--max-files",
        default=500,
        commands=_URL_SCANS,
        type=IntRange(min=1),
        help="Fetch at most this many files per run [default: 500].",
    )
    max_bytes: int = option(
        "--max-bytes",
        default=256 << 20,
        commands=_URL_SCANS,
        type=SIZE,
        metavar="SIZE",
        convert=parse_size,
        help="Fetch at most this much per run, decompressed (500k, 32M, 1G) [default: 256M].",
    )
    max_file_bytes: int = option(
        "--max-file-bytes",
        default=32 << 20,
        commands=_URL_SCANS,
        type=SIZE,
        metavar="SIZE",
        convert=parse_size,
        help="Read at most this much of one file, before and after decompression [default: 32M].",
    )
    pathspecs: tuple[str, ...] = ()  # PATHS exactly as given (empty: the whole repository)
    urls: tuple[str, ...] = ()  # `scan-url`: the start URLs


def url_only_options() -> list[tuple[Field[Any], OptionSpec]]:
    """The options that only fetching a site uses (`baseline` takes them for URLs)."""
    return [(item, spec) for item, spec in all_options() if spec.commands == _URL_SCANS]


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
