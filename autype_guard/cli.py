"""The command line: `autype-guard scan | rules | rule CODE`.

The only module that prints or exits. Exit codes: 0 clean, 1 findings at or above
`--fail-on`, 2 usage, config, read or internal errors (2 wins over 1). Never a traceback.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

import click

from . import __version__
from .api import ScanOptions, ScanReport, scan_bytes, scan_paths
from .config import Config, ConfigError, check_rule_codes, load_config
from .discovery import is_excluded
from .model import Severity
from .progress import ProgressBar, wants_progress
from .report import FORMATS, ReportOptions, get_reporter

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SEVERITIES = [s.value for s in Severity]


@dataclass(frozen=True)
class Options:
    """Everything `scan` was asked to do, parsed from the command line."""

    paths: tuple[str, ...]
    output_format: str
    output: Optional[str]
    fail_on: Severity
    show_secrets: bool
    show_placeholders: bool
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    exclude: tuple[str, ...]
    no_ignore: bool
    no_inline_ignore: bool
    stdin_filename: Optional[str]
    config_file: Optional[str]
    color: Optional[bool]
    allow_unreadable: bool
    # Git-aware scans (see gitscan.py) and the progress bar.
    staged: bool = False
    since: Optional[str] = None
    history: bool = False
    no_progress: bool = False
    pathspecs: tuple[str, ...] = ()  # PATHS exactly as given (empty: the whole repository)


def _fail(message: str) -> None:
    click.echo(f"autype-guard: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _use_color(flag: Optional[bool], to_file: bool) -> bool:
    if flag is not None:
        return flag
    if to_file or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def _build_config(opts: Options) -> Config:
    if opts.paths == ("-",):
        start = Path(opts.stdin_filename or ".").resolve()
    else:
        # Several paths (pre-commit passes every staged file): the config of their common
        # directory applies to all, so one file cannot switch the others' config.
        resolved = [str(Path(p).resolve()) for p in opts.paths]
        start = Path(os.path.commonpath(resolved)) if len(resolved) > 1 else Path(resolved[0])
    while not start.exists() and start != start.parent:
        start = start.parent
    config = load_config(start, Path(opts.config_file) if opts.config_file else None)
    changes: dict[str, object] = {}
    if opts.select:
        changes["select"] = frozenset(check_rule_codes(list(opts.select), "--select"))
    if opts.ignore:
        changes["disable"] = config.disable | frozenset(
            check_rule_codes(list(opts.ignore), "--ignore")
        )
    if opts.exclude:
        changes["extend_exclude"] = config.extend_exclude + opts.exclude
    return replace(config, **changes) if changes else config  # type: ignore[arg-type]


def _split_codes(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(code for value in values for code in value.split(",") if code.strip())


def write_output(text: str, output: Optional[str], secret: bool) -> None:
    """Write a report to `output` (or stdout); reports holding keys are created mode 0600."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(output, flags, 0o600 if secret else 0o644)
    if secret:
        os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def run_scan(opts: Options) -> int:
    """Run a scan as asked and return the exit code."""
    try:
        config = _build_config(opts)
    except ConfigError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits
    options = ScanOptions(
        show_secrets=opts.show_secrets,
        show_placeholders=opts.show_placeholders,
        respect_gitignore=not opts.no_ignore,
        inline_ignore=not opts.no_inline_ignore,
    )
    git_scan = opts.staged or opts.since is not None or opts.history
    if git_scan:
        report = _git_scan(opts, config, options)
    elif opts.paths == ("-",):
        report = ScanReport()
        display = opts.stdin_filename or "<stdin>"
        if opts.stdin_filename and is_excluded(Path(opts.stdin_filename), config):
            report.stats.excluded += 1
        else:
            data = sys.stdin.buffer.read()
            report.files.append(scan_bytes(data, display, config, options))
    else:
        paths = [Path(p) for p in opts.paths]
        bar = _progress_bar(opts, "files") if any(p.is_dir() for p in paths) else None
        try:
            report = scan_paths(paths, config, options, progress=bar)
        finally:
            if bar is not None:
                bar.close()
    if opts.show_secrets:
        click.echo(
            "autype-guard: warning: --show-secrets: this output holds full API keys", err=True
        )
    to_file = opts.output is not None and opts.output != "-"
    render = get_reporter(opts.output_format)
    text = render(report, ReportOptions(_use_color(opts.color, to_file), opts.show_secrets))
    try:
        write_output(text, opts.output, opts.show_secrets)
    except OSError as exc:
        _fail(f"cannot write {opts.output}: {exc.strerror or exc}")
    if to_file and opts.output_format != "text":
        summary = get_reporter("text")(ScanReport(stats=report.stats), ReportOptions())
        del summary  # the file holds the report; say where it went and what it found
        click.echo(
            f"autype-guard: {len(report.findings)} findings written to {opts.output}", err=True
        )
    if report.errors and not opts.allow_unreadable:
        return EXIT_ERROR
    if any(f.severity >= opts.fail_on for f in report.findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _progress_bar(opts: Options, unit: str) -> Optional[ProgressBar]:
    """A progress bar on stderr when it is a terminal (never in CI, hooks or pipes)."""
    if not wants_progress(sys.stderr, disabled=opts.no_progress):
        return None
    return ProgressBar(lambda text: click.echo(text, err=True, nl=False), unit=unit)


def _git_scan(opts: Options, config: Config, options: ScanOptions) -> ScanReport:
    """--staged, --since and --history; git trouble ends the run with one line and exit 2."""
    from . import gitscan

    if opts.staged and (opts.since is not None or opts.history):
        _fail("--staged cannot be combined with --since or --history")
    if opts.paths == ("-",):
        _fail("--staged, --since and --history scan a git repository, not standard input")
    bar: Optional[ProgressBar] = None
    try:
        repo = gitscan.open_repository(Path(opts.pathspecs[0] if opts.pathspecs else "."))
        specs = gitscan.pathspecs(repo, opts.pathspecs)
        if opts.staged:
            return gitscan.scan_staged(repo, config, options, specs)
        if opts.history:
            bar = _progress_bar(opts, "blobs")
            return gitscan.scan_history(
                repo, config, options, since=opts.since, specs=specs, progress=bar
            )
        assert opts.since is not None
        bar = _progress_bar(opts, "files")
        return gitscan.scan_changed(repo, opts.since, config, options, specs, progress=bar)
    except gitscan.GitError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits
    finally:
        if bar is not None:
            bar.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="autype-guard")
def cli() -> None:
    """Find hardcoded Autype API keys before they ship."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="low",
    show_default=True,
    help="Exit 1 when a finding is at least this severe.",
)
@click.option("--show-secrets", is_flag=True, help="Print keys in full (never in CI logs).")
@click.option("--show-placeholders", is_flag=True, help="List placeholders at info level.")
@click.option("--select", multiple=True, help="Only these rule codes (comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rule codes (comma-separated).")
@click.option("--exclude", multiple=True, help="Extra glob to exclude (repeatable).")
@click.option("--no-ignore", is_flag=True, help="Also scan files ignored by git.")
@click.option("--no-inline-ignore", is_flag=True, help="Disregard suppression comments.")
@click.option("--stdin-filename", help="With PATH '-': scan stdin as if it were this file.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--color/--no-color", default=None, help="Force colour on or off.")
@click.option(
    "--allow-unreadable", is_flag=True, help="Do not exit 2 for files that could not be read."
)
@click.option("--staged", is_flag=True, help="Scan what is staged in the git index (git hooks).")
@click.option(
    "--since",
    metavar="REV",
    help="Only files changed since REV; with --history, only commits after REV.",
)
@click.option(
    "--history", is_flag=True, help="Scan every blob in the history of all refs (audits)."
)
@click.option("--no-progress", is_flag=True, help="Never draw a progress bar.")
def scan(
    paths: tuple[str, ...],
    output_format: str,
    output: Optional[str],
    fail_on: str,
    show_secrets: bool,
    show_placeholders: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    no_ignore: bool,
    no_inline_ignore: bool,
    stdin_filename: Optional[str],
    config_file: Optional[str],
    color: Optional[bool],
    allow_unreadable: bool,
    staged: bool,
    since: Optional[str],
    history: bool,
    no_progress: bool,
) -> None:
    """Scan PATHS (default: the current directory; '-' for stdin) for Autype keys.

    With --staged, --since or --history, PATHS limit the scan to those parts of the git
    repository that holds them (default: the whole repository)."""
    opts = Options(
        paths=paths or (".",),
        output_format=output_format,
        output=output,
        fail_on=Severity(fail_on),
        show_secrets=show_secrets,
        show_placeholders=show_placeholders,
        select=_split_codes(select),
        ignore=_split_codes(ignore),
        exclude=exclude,
        no_ignore=no_ignore,
        no_inline_ignore=no_inline_ignore,
        stdin_filename=stdin_filename,
        config_file=config_file,
        color=color,
        allow_unreadable=allow_unreadable,
        staged=staged,
        since=since,
        history=history,
        no_progress=no_progress,
        pathspecs=paths,
    )
    sys.exit(run_scan(opts))


@cli.command("rules")
def list_rules() -> None:
    """List every rule with its documentation."""
    from .rules import RULES

    for rule in RULES:
        click.echo(f"{rule.CODE} {rule.NAME} [{rule.SEVERITY.value}]")
        click.echo("")
        click.echo(rule.docs())
        click.echo("")


@cli.command("rule")
@click.argument("code")
def show_rule(code: str) -> None:
    """Show one rule's documentation."""
    from .rules import rule_by_code

    rule = rule_by_code(code)
    if rule is None:
        _fail(f"unknown rule code {code!r}; see `autype-guard rules`")
        return
    click.echo(f"{rule.CODE} {rule.NAME} [{rule.SEVERITY.value}]\n")
    click.echo(rule.docs())


def main() -> None:
    """Console-script entry point: runs the CLI and turns any crash into exit 2."""
    try:
        cli(prog_name="autype-guard")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("autype-guard: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        click.echo(f"autype-guard: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_ERROR)
