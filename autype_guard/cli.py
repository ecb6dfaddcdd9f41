"""The command line: `autype-guard scan | fix | baseline | rules | rule CODE`.

The only module that prints or exits. Exit codes: 0 clean, 1 findings at or above
`--fail-on` (with `--verify --fail-on-live-only`: only keys the live check found live),
2 usage, config, read or internal errors (2 wins over 1). Never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Any, Optional, TypeVar

import click

from . import baseline as baseline_file
from .api import ScanOptions, ScanReport
from .config import Config, ConfigError, Overrides, check_rule_codes, load_config
from .keys import ROTATE_HINT
from .model import VERIFICATION
from .options import (
    BASELINE,
    FIX,
    MERGE,
    SCAN,
    SCAN_URL,
    Choice,
    File,
    FloatRange,
    IntRange,
    Options,
    Size,
    ValueType,
    from_command_line,
    options_of,
    parse_size,
    url_only_options,
)
from .progress import ProgressBar, wants_progress
from .report import FORMATS, RULE_FORMATS, ReportOptions, get_reporter
from .report.common import plural
from .report.escape import escape_json, escape_path, escape_text
from .run import VERIFY_CONCURRENCY, VERIFY_TIMEOUT, GitTarget, RunOutcome, RunRequest, execute
from .version import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


def _prefilter_engine() -> str:
    """A developer and benchmark switch: AUTYPE_GUARD_PREFILTER=python forces the
    standard-library prefilter, =ahocorasick the fast one. Exits 2 on a bad value."""
    from .prefilter import ENGINES, ahocorasick_available

    engine = os.environ.get("AUTYPE_GUARD_PREFILTER", "auto")
    if engine not in ENGINES:
        _fail(f"AUTYPE_GUARD_PREFILTER={engine!r}: expected one of {', '.join(ENGINES)}")
    if engine == "ahocorasick" and not ahocorasick_available():
        _fail("AUTYPE_GUARD_PREFILTER=ahocorasick needs ahocorasick_rs (the `fast` extra)")
    return engine


def _fail(message: str) -> None:
    # Messages name paths, config values and git's words: control characters as `\x1b`.
    click.echo(f"autype-guard: error: {escape_path(message)}", err=True)
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
        # The config of the named paths' common directory starts the run; each file then gets
        # the nearest config of its own (`config.ConfigResolver`).
        resolved = [str(Path(p).resolve()) for p in opts.paths]
        start = Path(os.path.commonpath(resolved)) if len(resolved) > 1 else Path(resolved[0])
    while not start.exists() and start != start.parent:
        start = start.parent
    from .rules import rule_codes  # start-up time: `rules` loads with the first scan

    codes = rule_codes()
    config = load_config(start, Path(opts.config_file) if opts.config_file else None, codes=codes)
    # Every config that applies in the run (nested ones too) gets the command line's changes.
    return Overrides(
        select=frozenset(check_rule_codes(list(opts.select), "--select", codes))
        if opts.select
        else None,
        ignore=frozenset(check_rule_codes(list(opts.ignore), "--ignore", codes)),
        exclude=tuple(opts.exclude),
        env_var=opts.env_var,
    ).apply(config)


def write_output(text: str, output: Optional[str], secret: bool) -> None:
    """Write a report to `output` (or stdout); reports holding keys are created mode 0600.

    A regular file is replaced atomically (written next to it, then renamed): a reader never
    sees half a report, and a failed write leaves the old one. A device or pipe that exists
    (`/dev/null`, `/dev/stdout`) is written in place."""
    if output is None or output == "-":
        # Colour was decided already (`_use_color`): click must not strip it when piped.
        click.echo(text, nl=False, color=True)
        return
    try:
        existing: Optional[os.stat_result] = os.stat(output)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    directory = os.path.dirname(os.path.abspath(output))
    import tempfile  # start-up time: only a report written to a file needs it

    fd, tmp = tempfile.mkstemp(prefix=".autype-guard-report-", suffix=".tmp", dir=directory)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o600 if secret else 0o644 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# One report to write: (format, path); path None or "-" is standard output.
ReportTarget = tuple[str, Optional[str]]


def report_targets(opts: Options, primary: bool = True) -> list[ReportTarget]:
    """Every report `scan` writes: the `--format`/`-o` one (unless `primary` is False: only
    `--report` was given) and each `--report FORMAT=PATH`. Exits 2 on an unknown format, a
    PATH that cannot be written (checked before the scan), or two reports to one place."""
    targets: list[ReportTarget] = [(opts.output_format, opts.output)] if primary else []
    for value in opts.reports:
        fmt, sep, path = value.partition("=")
        if not sep or not path:
            _fail(f"--report {value!r}: expected FORMAT=PATH (PATH '-' for standard output)")
        if fmt not in FORMATS:
            _fail(
                f"--report {value!r}: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}"
            )
        if path != "-":
            problem = _unwritable(path)
            if problem:
                _fail(f"--report {value!r}: cannot write {path}: {problem}")
        targets.append((fmt, path))
    if opts.statistics and all(fmt != "text" for fmt, _ in targets):
        _fail("--statistics only works with --format text")
    seen: set[str] = set()
    for _fmt, output in targets:
        to_stdout = output is None or output == "-"
        place = "standard output" if to_stdout else os.path.realpath(str(output))
        if place in seen:
            shown = place if to_stdout else str(output)
            _fail(f"two reports would be written to {shown}; give each its own --report PATH")
        seen.add(place)
    return targets


def _unwritable(path: str) -> Optional[str]:
    """Why a report cannot be written to `path`, or None when it looks writable."""
    if os.path.isdir(path):
        return "it is a directory"
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        return f"no directory {directory}"
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"directory {directory} is not writable"
    return None


def _verify_api_url(opts: Options) -> Optional[str]:
    """The validated API URL when `--verify` was given, else None; exits 2 on misuse."""
    if not opts.verify:
        # NOTE: nothing but --verify turns the live check on; its companions alone are errors
        # rather than silently ignored (or silently enabling it).
        for flag, value in (
            ("--fail-on-live-only", opts.fail_on_live_only),
            ("--api-url", opts.api_url is not None),
            ("--verify-timeout", opts.verify_timeout is not None),
        ):
            if value:
                _fail(f"{flag} only works together with --verify")
        return None
    from .verify import ApiUrlError, resolve_api_url

    try:
        # NOTE: only the command line and the environment choose where keys are sent,
        # never the scanned repository's config.
        return resolve_api_url(opts.api_url, os.environ)
    except ApiUrlError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


def _verify_summary(outcomes: list[str], api_url: str) -> str:
    if not outcomes:
        return "autype-guard: live check: no real keys to check"
    counts = ", ".join(f"{outcomes.count(o)} {o}" for o in ("live", "revoked", "unknown"))
    noun = "key" if len(outcomes) == 1 else "keys"
    line = f"autype-guard: live check: {len(outcomes)} {noun} checked at {api_url}: {counts}"
    if outcomes.count("unknown") == len(outcomes):
        # Nothing was learned: `--fail-on-live-only` passes, but not because no key is live.
        line += (
            "\nautype-guard: warning: no key could be verified (see each finding's reason);"
            " treat every key as live and rotate it"
        )
    return line


def _git_output(*args: str) -> Optional[str]:
    """The stripped stdout of a git command run in the current directory, None on failure."""
    from . import gitrun  # start-up time: only some output formats need git

    try:
        proc = gitrun.run(None, *args, timeout=30)
    except gitrun.GitError:
        return None
    out = os.fsdecode(proc.stdout).strip()
    return out or None


def _report_options(
    formats: Collection[str], opts: Options, config: Config, color: bool
) -> ReportOptions:
    """What reporters of `formats` need to know about the run: locations in machine-readable
    formats are relative to the git work tree's top level (where GitHub and GitLab resolve
    them)."""
    from .rules import catalogue  # start-up time: `rules` loads with the first scan

    root = commit = None
    if any(fmt in ("sarif", "github", "gitlab") for fmt in formats):
        root = _git_output("rev-parse", "--show-toplevel")
    if "gitlab" in formats:
        commit = os.environ.get("CI_COMMIT_SHA") or _git_output("rev-parse", "--verify", "HEAD")
    width = None
    if opts.output_format == "text" and opts.output is None and sys.stdout.isatty():
        import shutil  # start-up time: only output to a terminal needs it

        width = shutil.get_terminal_size((100, 24)).columns
    return ReportOptions(
        width=width,
        quiet=opts.quiet,
        color=color,
        show_secrets=opts.show_secrets,
        root=root,
        commit=commit,
        rule_severity=config.severity,
        rules=catalogue(),
    )


def _load_baseline(path: str) -> baseline_file.Baseline:
    try:
        return baseline_file.load(Path(path))
    except baseline_file.BaselineError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


def run_scan(opts: Options, primary: bool = True) -> int:
    """Run a scan as asked and return the exit code (`primary`: see `report_targets`)."""
    targets = report_targets(opts, primary)
    accepted = _load_baseline(opts.baseline) if opts.baseline else None
    config, report = collect(opts, accepted)
    return finish_scan(opts, config, report, targets)


def collect(
    opts: Options, accepted: Optional[baseline_file.Baseline] = None
) -> tuple[Config, ScanReport]:
    """Build the config and the run request `opts` describe, and execute it (see
    `run.execute`: the baseline `accepted` is applied before the live check). Exits 2 on a
    config error, misuse or trouble with git."""
    try:
        config = _build_config(opts)
    except ConfigError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits
    request = RunRequest(
        config,
        ScanOptions(
            show_secrets=opts.show_secrets,
            show_placeholders=opts.show_placeholders,
            respect_gitignore=not opts.no_ignore,
            inline_ignore=not opts.no_inline_ignore,
            jobs=opts.jobs,
            prefilter=_prefilter_engine(),
        ),
        verify_url=_verify_api_url(opts),
        verify_timeout=opts.verify_timeout or VERIFY_TIMEOUT,
        verify_concurrency=VERIFY_CONCURRENCY,
    )
    if opts.shard is not None:
        from .shard import Shard, ShardError

        try:
            request.shard = Shard.parse(opts.shard)
        except ShardError as exc:
            _fail(str(exc))
    if opts.cache is not None:
        # NOTE: the cache holds masked findings only; a run that needs the raw keys (to
        # print them, or to send them to the live check) must scan every blob itself.
        if not opts.history:
            _fail("--cache only works together with --history")
        if opts.show_secrets or opts.verify:
            _fail(
                "--cache cannot be combined with --show-secrets or --verify (it never holds keys)"
            )
    if accepted is not None and opts.baseline:
        request.baseline = accepted
        request.baseline_dir = Path(opts.baseline).resolve().parent
    unit = "files"
    if opts.urls:
        request.web = _url_target(opts)
        wants_bar = False
    elif opts.images:
        if opts.staged or opts.since is not None or opts.history or opts.pathspecs:
            _fail("--image cannot be combined with PATHS, --staged, --since or --history")
        if opts.pre_push:
            _fail("--image cannot be combined with --pre-push")
        request.images = list(opts.images)
        wants_bar = False
    elif opts.pre_push:
        if opts.staged or opts.since is not None or opts.history:
            _fail("--pre-push cannot be combined with --staged, --since or --history")
        if opts.paths == ("-",):
            _fail("--pre-push reads git's pre-push input, not content, on standard input")
        pushed, remote = _pushed_refs()
        request.git = GitTarget("push", pathspecs=opts.pathspecs, pushed=pushed, remote=remote)
        unit = "blobs"
        wants_bar = True
    elif opts.staged or opts.since is not None or opts.history:
        if opts.staged and (opts.since is not None or opts.history):
            _fail("--staged cannot be combined with --since or --history")
        if opts.paths == ("-",):
            _fail("--staged, --since and --history scan a git repository, not standard input")
        mode = "staged" if opts.staged else "history" if opts.history else "since"
        if opts.shard is not None and mode != "history":
            _fail("--shard works on paths or with --history, not with --staged or --since")
        cache = Path(opts.cache) if opts.cache is not None else None
        request.git = GitTarget(mode, opts.since, opts.pathspecs, cache=cache)
        unit = "blobs" if opts.history else "files"
        wants_bar = not opts.staged
    elif opts.paths == ("-",):
        if opts.shard is not None:
            _fail("--shard splits files or blobs; standard input is one")
        request.stdin = sys.stdin.buffer.read()
        request.stdin_name = opts.stdin_filename or "<stdin>"
        wants_bar = False
    else:
        request.paths = [Path(p) for p in opts.paths]
        wants_bar = any(p.is_dir() for p in request.paths)
    bar = _progress_bar(opts, unit) if wants_bar else None
    request.progress = bar
    try:
        outcome = _execute(request)
    finally:
        if bar is not None:
            bar.close()
    cache_stats = outcome.report.cache
    if cache_stats is not None:
        if cache_stats.warning:
            click.echo(f"autype-guard: warning: {escape_text(cache_stats.warning)}", err=True)
        reset = f" (earlier results dropped: {cache_stats.reset})" if cache_stats.reset else ""
        click.echo(
            f"autype-guard: history cache: {plural(cache_stats.scanned, 'blob')} scanned,"
            f" {cache_stats.reused} from the cache, {plural(cache_stats.new_commits, 'new commit')}"
            f"{reset}",
            err=True,
        )
    if request.verify_url is not None:
        outcomes = [r.outcome.value for r in outcome.verified.values()]
        click.echo(_verify_summary(outcomes, request.verify_url), err=True)
    return config, outcome.report


def _pushed_refs() -> tuple[tuple[tuple[str, str], ...], Optional[str]]:
    """What `scan --pre-push` scans: (old, new) revisions per pushed ref, and the remote.

    Run by pre-commit: its PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF (or, for a new branch with
    its root commit, the local branch against the remote's refs); run by git as the
    pre-push hook: the ref updates on stdin."""
    from .sources.git import GitError
    from .sources.push import parse_pre_push

    remote = os.environ.get("PRE_COMMIT_REMOTE_NAME") or None
    from_ref = os.environ.get("PRE_COMMIT_FROM_REF")
    to_ref = os.environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref:
        return ((from_ref, to_ref),), remote
    local = os.environ.get("PRE_COMMIT_LOCAL_BRANCH")
    if remote and local:
        return (("0" * 40, local),), remote
    if sys.stdin.isatty():
        _fail("--pre-push reads git's pre-push input on standard input; run it from a hook")
    try:
        updates = parse_pre_push(sys.stdin.buffer.read())
    except GitError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits
    return tuple((u.old, u.new) for u in updates), remote


def _url_target(opts: Options) -> Any:
    """The `scan-url` target `opts` describe (a `sources.web.UrlTarget`); exits 2 for a
    start URL, --allow-origin or --header that cannot be used."""
    from .sources.web import UrlError, UrlTarget, check_start_url, parse_allowed, parse_header

    try:
        urls = tuple(check_start_url(url) for url in opts.urls)
        for value in opts.allow_origin:
            parse_allowed(value)
        headers = tuple(parse_header(value) for value in opts.header)
    except UrlError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits
    if opts.cookie is not None and any(ch in opts.cookie for ch in "\r\n\0"):
        _fail("--cookie holds a line break")
    return UrlTarget(
        urls,
        depth=opts.depth,
        allow_origins=opts.allow_origin,
        headers=headers,
        cookie=opts.cookie,
        timeout=opts.timeout,
        deadline=opts.deadline,
        concurrency=opts.concurrency,
        max_files=opts.max_files,
        max_bytes=opts.max_bytes,
        max_file_bytes=opts.max_file_bytes,
    )


def _execute(request: RunRequest) -> RunOutcome:
    """`run.execute`; trouble with git or saving an image ends the run with one line and
    exit 2."""
    if request.images:
        from .sources.image import ImageError

        try:
            return execute(request)
        except ImageError as exc:
            _fail(str(exc))
            raise  # unreachable: _fail exits
    if request.git is None:
        return execute(request)  # start-up time: a plain scan never loads the git source
    from .sources.git import GitError
    from .sources.history_cache import CacheError

    try:
        return execute(request)
    except (GitError, CacheError) as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


def _progress_bar(opts: Options, unit: str) -> Optional[ProgressBar]:
    """A progress bar on stderr when it is a terminal (never in CI, hooks or pipes)."""
    if not wants_progress(sys.stderr, disabled=opts.no_progress):
        return None
    try:  # seconds before the bar first shows (documented in the README)
        delay = float(os.environ.get("AUTYPE_GUARD_PROGRESS_DELAY", "0.5"))
    except ValueError:
        delay = 0.5
    return ProgressBar(lambda text: click.echo(text, err=True, nl=False), unit=unit, delay=delay)


def run_merge(opts: Options) -> int:
    """Merge the reports named by PATHS (JSON or SARIF, such as the shards of one scan) into
    one, render it like a scan's report and return the exit code one run would have."""
    from .report.merge import ReportFormatError, merge, read_report

    if not opts.pathspecs:
        _fail("merge needs the reports to merge: autype-guard merge REPORT...")
    parts = []
    for name in opts.pathspecs:
        try:
            with open(name, encoding="utf-8") as handle:
                text = handle.read()
            parts.append(read_report(text, name))
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read {name}: {getattr(exc, 'strerror', None) or exc}")
        except ReportFormatError as exc:
            _fail(str(exc))
    from .rules import rule_codes  # start-up time: `rules` loads with the first scan

    try:
        # The configured rule severities (SARIF rule levels) of the project merged in.
        config = load_config(Path.cwd(), None, codes=rule_codes())
    except ConfigError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits
    return finish_scan(opts, config, merge(parts))


def finish_scan(
    opts: Options,
    config: Config,
    report: ScanReport,
    targets: Optional[list[ReportTarget]] = None,
) -> int:
    """Render and write the reports (default: the `--format`/`-o` one); return the exit code."""
    if targets is None:
        targets = [(opts.output_format, opts.output)]
    if opts.show_secrets:
        click.echo(
            "autype-guard: warning: --show-secrets: this output holds full API keys", err=True
        )
    if opts.statistics and all(fmt != "text" for fmt, _ in targets):
        _fail("--statistics only works with --format text")
    base = _report_options([fmt for fmt, _ in targets], opts, config, color=False)
    for fmt, output in targets:
        to_file = output is not None and output != "-"
        render = get_reporter(fmt)
        if opts.statistics and fmt == "text":
            from .report.text import render_statistics

            render = render_statistics
        text = render(report, replace(base, color=_use_color(opts.color, to_file)))
        try:
            write_output(text, output, opts.show_secrets)
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or exc}")
        if to_file and fmt != "text":
            click.echo(
                f"autype-guard: {plural(len(report.findings), 'finding')} written to {output}",
                err=True,
            )
    if opts.verbose:
        from .report.text import render_passed_over

        click.echo(render_passed_over(report, base), err=True, nl=False)
    if report.errors and not opts.allow_unreadable:
        return EXIT_ERROR
    if opts.exit_zero:
        return EXIT_CLEAN
    if opts.fail_on_live_only:
        if any(dict(f.properties).get(VERIFICATION) == "live" for f in report.findings):
            return EXIT_FINDINGS
        return EXIT_CLEAN
    if any(f.severity >= opts.fail_on for f in report.findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def run_fix(opts: Options) -> int:
    """Run `fix` as asked and return the exit code: 0 everything found was fixed (or nothing
    was found), 1 findings remain without an automatic fix (or, with --diff, fixes are
    pending), 2 errors."""
    from .fixes.apply import FixError, FixOptions
    from .fixes.apply import run_fix as run_fixes
    from .fixes.naming import is_valid_name
    from .fixes.render import render_diff, render_fix

    if "-" in opts.paths:
        _fail("fix edits files in place: it cannot read standard input")
    # NOTE: a CI workspace is thrown away: keys moved into its .env would be lost, and an
    # autofix bot would commit the sources without them. Only an explicit --env-file (the
    # user says where keys go) or --diff (nothing written) runs there.
    if _in_ci() and not opts.diff and opts.env_file is None:
        _fail(
            "CI is set: keys moved into this workspace's .env would be lost with it. Run"
            " `autype-guard fix` locally, use --diff here, or pass --env-file to choose where"
            " the keys go."
        )
    try:
        config = _build_config(opts)
    except ConfigError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits
    if opts.env_var is not None:
        if not is_valid_name(opts.env_var):
            _fail(f"--env-var {opts.env_var!r} is not an environment variable name")
        config = replace(config, env_var=opts.env_var)
    options = FixOptions(
        diff=opts.diff,
        env_file=Path(opts.env_file) if opts.env_file else None,
        respect_gitignore=not opts.no_ignore,
    )
    try:
        report = run_fixes([Path(p) for p in opts.paths], config, options)
    except FixError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits
    plan = report.plan
    if opts.diff:
        if opts.show_secrets and plan.pending:
            click.echo(
                "autype-guard: warning: --show-secrets: this diff holds full API keys", err=True
            )
        click.echo(render_diff(plan, opts.show_secrets, config.key_pattern), nl=False)
    color = _use_color(opts.color, False)
    click.echo(
        render_fix(report, ReportOptions(color=color), diff=opts.diff), nl=False, color=color
    )
    if plan.errors or report.write_errors:
        return EXIT_ERROR
    if plan.unfixed or (opts.diff and plan.pending):
        return EXIT_FINDINGS
    return EXIT_CLEAN


_F = TypeVar("_F", bound=Callable[..., Any])


def _click_type(value: Optional[ValueType]) -> Any:  # click.ParamType (generic from 8.2 on)
    if isinstance(value, Choice):
        return click.Choice(value.values)
    if isinstance(value, File):
        return click.Path(dir_okay=False)
    if isinstance(value, IntRange):
        return click.IntRange(min=value.min)
    if isinstance(value, FloatRange):
        return click.FloatRange(value.min, value.max, min_open=value.min_open)
    if isinstance(value, Size):
        return _SizeType()
    return None


class _SizeType(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2
    """A size such as 500k, 32M or 1G (options.parse_size); an int default stays one."""

    name = "size"

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Any) -> Any:
        try:
            return parse_size(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _options(command: str) -> Callable[[_F], _F]:
    """Decorate a command with its click options, built from the fields of Options that
    `command` takes (see options.py), in field order."""

    def decorate(function: _F) -> _F:
        for item, spec in reversed(options_of(command)):  # click applies them bottom-up
            default = item.default
            function = click.option(
                *spec.flags,
                item.name,
                type=_click_type(spec.type),
                default=default.value if isinstance(default, Enum) else default,
                is_flag=True if isinstance(default, bool) else None,
                multiple=isinstance(default, tuple),
                metavar=spec.metavar,
                show_default=spec.show_default,
                help=spec.help_in(command),
            )(function)
        return function

    return decorate


class _OneLineUsageError(click.ClickException):
    """A usage error (unknown option, bad value, a directory given as a file) as one line on
    stderr, like every other error: "autype-guard: error: ...; see 'autype-guard scan --help'"."""

    exit_code = EXIT_ERROR

    def __init__(self, error: click.UsageError) -> None:
        message = error.format_message()
        if error.ctx is not None:
            message = f"{message} (see '{error.ctx.command_path} --help')"
        super().__init__(message)

    def show(self, file: Any = None) -> None:
        click.echo(f"autype-guard: error: {escape_path(self.format_message())}", err=True)


# click >= 8.2 shows the help for a bare `autype-guard` through a UsageError subclass.
_SHOWS_HELP: tuple[type[BaseException], ...] = tuple(
    cls for cls in (getattr(click.exceptions, "NoArgsIsHelpError", None),) if cls is not None
)


class _Group(click.Group):
    """The command group; usage errors of the group and its commands come out on one line."""

    def make_context(
        self,
        info_name: Optional[str],
        args: list[str],
        parent: Optional[click.Context] = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            if isinstance(exc, _SHOWS_HELP):
                raise
            raise _OneLineUsageError(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if isinstance(exc, _SHOWS_HELP):
                raise
            raise _OneLineUsageError(exc) from None
        except KeyboardInterrupt:
            # click would print "Aborted!" and exit 1, which reads as "findings".
            click.echo("autype-guard: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="autype-guard")
def cli() -> None:
    """Find hardcoded Autype API keys before they ship."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@_options(SCAN)
def scan(**values: Any) -> None:
    """Scan PATHS (default: the current directory; '-' for stdin) for Autype keys.

    With --staged, --since or --history, PATHS limit the scan to those parts of the git
    repository that holds them (default: the whole repository)."""
    ctx = click.get_current_context()
    # Given only --report (no --format, no -o), the --report list is every report written.
    primary = not values["reports"] or any(
        ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
        for name in ("output_format", "output")
    )
    sys.exit(run_scan(from_command_line(values), primary))


@cli.command("scan-url")
@click.argument("urls", nargs=-1, required=True)
@_options(SCAN_URL)
def scan_url(urls: tuple[str, ...], **values: Any) -> None:
    """Fetch URLS (and every script, worker, source map and manifest a browser loads from
    them) and scan what a browser gets for Autype keys, as browser-shipped code.

    Only the start URLs' origins are fetched (add others with --allow-origin); nothing
    fetched is executed."""
    opts = replace(from_command_line({"paths": (), **values}), urls=urls)
    sys.exit(run_scan(opts))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@_options(FIX)
def fix(**values: Any) -> None:
    """Move keys in PATHS (default: the current directory) into a git-ignored env file."""
    sys.exit(run_fix(from_command_line(values)))


@cli.command("baseline")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@_options(BASELINE)
def baseline_command(**values: Any) -> None:
    """Record the current findings in PATHS as accepted, so `scan --baseline` reports only
    new ones. The file holds rule, path and key fingerprint, never a key.

    PATHS that are http(s) URLs are fetched as `scan-url` fetches them (the URL-scan
    options apply), and the baseline names each file by its URL without the query."""
    opts = _urls_for_baseline(from_command_line(values))
    output = opts.baseline_output
    old = _load_baseline(output) if opts.update else None
    _config, report = collect(opts)
    base_dir = Path(output).resolve().parent
    findings = report.findings
    if old is None:
        accepted = baseline_file.build(findings, base_dir)
        summary = (
            f"recorded {plural(len(findings), 'finding')} as {accepted.total}"
            f" {'entry' if accepted.total == 1 else 'entries'} in {output}"
        )
    else:
        accepted, new = baseline_file.update(old, findings, base_dir)
        summary = f"kept {accepted.total} of {old.total} entries in {output}"
        if new:
            summary += (
                f"; {plural(new, 'new finding')} {'was' if new == 1 else 'were'} not added"
                " (run without --update to accept them)"
            )
    try:
        write_output(escape_json(baseline_file.dumps(accepted)), output, secret=False)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(f"autype-guard: {summary}", err=True)
    for path, reason in report.errors:
        reason = escape_text(reason)
        click.echo(
            f"autype-guard: error: {escape_path(path)}: could not be scanned: {reason}", err=True
        )
    if findings:
        click.echo(
            "autype-guard: keys in a baseline are still exposed: rotate them in the Autype"
            " dashboard (Settings -> API Keys)",
            err=True,
        )
    sys.exit(EXIT_ERROR if report.errors else EXIT_CLEAN)


@cli.command("merge")
@click.argument("paths", nargs=-1, metavar="REPORT...", type=click.Path(path_type=str))
@_options(MERGE)
def merge_command(**values: Any) -> None:
    """Merge REPORT... (JSON or SARIF reports, such as those of `scan --shard K/N`) into one
    report: findings deduplicated, counts recomputed, the exit code as if one run had made
    them (1 for findings at or above --fail-on, 2 when a report lists files that could not
    be read, unless --allow-unreadable)."""
    sys.exit(run_merge(from_command_line(values)))


def _urls_for_baseline(opts: Options) -> Options:
    """`baseline` given URLs records what `scan-url` finds there; the options of fetching
    work only with URLs, and paths and URLs do not mix. Exits 2 on misuse."""
    from .report.common import is_url

    urls = tuple(p for p in opts.pathspecs if is_url(p))
    if urls:
        if len(urls) != len(opts.pathspecs):
            _fail("baseline takes paths or URLs, not both")
        return replace(opts, paths=(".",), pathspecs=(), urls=urls)
    for item, spec in url_only_options():
        if getattr(opts, item.name) != item.default:
            _fail(f"{spec.flags[0]} only works with URLs")
    return opts


@cli.command("rules")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(RULE_FORMATS),
    default="text",
    show_default=True,
    help="text: every rule's documentation; table: one line per rule; json; markdown:"
    " docs/rules.md.",
)
def list_rules(output_format: str) -> None:
    """List every rule with its documentation."""
    from .report.rules import render_rules  # start-up time: only this command renders rules
    from .rules import catalogue

    click.echo(render_rules(catalogue(), output_format), nl=False)


@cli.command("rule")
@click.argument("code")
def show_rule(code: str) -> None:
    """Show one rule's documentation; CODE is its code (AG101) or name (hardcoded-key)."""
    from .rules import RULES, rule_by_code

    rule = rule_by_code(code)
    if rule is None:
        rule = next((r for r in RULES if code.lower() == r.NAME), None)
    if rule is None:
        _fail(f"unknown rule code or name {code!r}; see `autype-guard rules`")
        return
    click.echo(f"{rule.CODE} {rule.NAME} [{rule.SEVERITY.value}]\n")
    click.echo(rule.docs())


# --- pre-receive: the server-side hook ------------------------------------------------------

SKIP_OPTION = "autype-guard.skip"


class _Deadline(BaseException):
    """Raised in the main thread when `autype-guard.timeout` runs out (a BaseException, so
    no `except Exception` on the way swallows it; every git child is stopped on the way)."""


def _push_options(env: Mapping[str, str]) -> list[str]:
    try:
        count = int(env.get("GIT_PUSH_OPTION_COUNT", "0"))
    except ValueError:
        count = 0
    return [env.get(f"GIT_PUSH_OPTION_{i}", "") for i in range(max(0, count))]


def _pusher(env: Mapping[str, str]) -> str:
    """Who pushed, as the hosting software tells its hooks (for the log only)."""
    for name in ("GL_USERNAME", "GITEA_PUSHER_NAME", "GITHUB_USER_LOGIN", "REMOTE_USER", "USER"):
        if env.get(name):
            return env[name]
    return "unknown"


class _ServerLog:
    """One line per event in the admin's `autype-guard.logFile` (none: stderr only)."""

    def __init__(self, path: Optional[str], env: Mapping[str, str]) -> None:
        self.path = path
        self.who = _pusher(env)

    def write(self, event: str, updates: list[Any]) -> None:
        if self.path is None:
            return
        import datetime

        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        refs = ",".join(escape_text(u.ref) for u in updates) or "-"
        line = f"{stamp} pusher={escape_text(self.who)} refs={refs} {event}\n"
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line)
        except OSError as exc:
            click.echo(
                f"autype-guard: warning: cannot write the log {escape_path(self.path)}:"
                f" {exc.strerror or exc}",
                err=True,
            )


def _say(message: str) -> None:
    click.echo(f"autype-guard: {message}", err=True)


def run_pre_receive(data: bytes, env: Mapping[str, str]) -> int:
    """The pre-receive hook: scan what the pushed commits introduced; 0 lets the push in,
    1 rejects it for findings, 2 for errors (git, settings, unreadable blobs, a timeout)."""
    from . import gitrun
    from .rules import rule_codes
    from .sources import git, push

    gitrun.keep_object_directories()  # the pushed objects are in git's quarantine
    try:
        repo = push.hook_repository(Path("."))
        settings = push.server_settings(repo)
        updates = push.parse_pre_receive(data)
    except git.GitError as exc:
        _say(f"error: {escape_text(str(exc))}; push rejected")
        return EXIT_ERROR
    log = _ServerLog(settings.log_file, env)
    if SKIP_OPTION in _push_options(env):
        logged = " (logged)" if settings.log_file else ""
        if settings.allow_skip:
            log.write("skip-honoured", updates)
            _say(f"push option {SKIP_OPTION}: scan skipped{logged}")
            return EXIT_CLEAN
        log.write("skip-refused", updates)
        _say(f"push option {SKIP_OPTION} is not allowed on this server{logged}; scanning")
    timer = None
    try:
        timer = _start_deadline(settings.timeout)
        options = ScanOptions(
            jobs=1, prefilter=_prefilter_engine(), inline_ignore=settings.inline_ignore
        )
        findings, errors, blobs = _pre_receive_scan(repo, updates, rule_codes(), options)
    except _Deadline:
        limit = f"{settings.timeout:g} s"
        if settings.fail_open:
            log.write(f"timeout-passed limit={limit}", updates)
            _say(f"scan did not finish within {limit}; push allowed (autype-guard.failOpen)")
            return EXIT_CLEAN
        log.write(f"timeout-rejected limit={limit}", updates)
        _say(f"scan did not finish within {limit}; push rejected")
        return EXIT_ERROR
    except git.GitError as exc:
        log.write("error", updates)
        _say(f"error: {escape_text(str(exc))}; push rejected")
        return EXIT_ERROR
    finally:
        _stop_deadline(timer)
    for line in findings:
        _say(line)
    for line in errors:
        _say(f"error: {line}")
    if findings:
        log.write(f"rejected findings={len(findings)} blobs={blobs}", updates)
        _say(
            f"push rejected: {plural(len(findings), 'Autype API key')} in the pushed commits."
            f" Remove {'it' if len(findings) == 1 else 'them'} from every commit (git rebase"
            f" -i, git commit --amend) and push again; {ROTATE_HINT}."
        )
        return EXIT_FINDINGS
    if errors:
        log.write(f"rejected errors={len(errors)} blobs={blobs}", updates)
        _say("push rejected: some pushed content could not be scanned")
        return EXIT_ERROR
    log.write(f"accepted blobs={blobs}", updates)
    return EXIT_CLEAN


def _start_deadline(seconds: Optional[float]) -> Optional[Any]:
    """Raise _Deadline in `seconds` (a SIGALRM timer); returns what `_stop_deadline` needs."""
    if seconds is None:
        return None
    import signal

    if not hasattr(signal, "setitimer"):  # Windows: no timer signals
        _say("warning: autype-guard.timeout needs timer signals, which this platform lacks")
        return None

    def expire(_signum: int, _frame: object) -> None:
        raise _Deadline()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    return previous


def _stop_deadline(previous: Optional[Any]) -> None:
    if previous is None:
        return
    import signal

    for _ in range(2):
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            return
        except _Deadline:
            continue  # it ran out while being stopped (it fires once): stop it again


def _pre_receive_scan(
    repo: Any, updates: list[Any], codes: Any, options: ScanOptions
) -> tuple[list[str], list[str], int]:
    """Scan the updates with the config and baseline of each one's old revision (a new ref:
    the default branch's tip); updates whose revisions hold the same config and baseline
    files are scanned together (a mirror push of many branches: one scan). Returns finding
    lines, error lines and the number of blobs scanned."""
    from .baseline import DEFAULT_BASELINE, BaselineError
    from .baseline import apply as apply_baseline
    from .baseline import parse as parse_baseline
    from .sources import push

    names = (*push.CONFIG_NAMES, DEFAULT_BASELINE)
    live = [u for u in updates if not u.deleted]
    tip = push.default_tip(repo) if any(u.created for u in live) else None
    revs = {id(u): tip if u.created else u.old for u in live}
    files = push.files_at(repo, (r for r in revs.values() if r is not None), names)
    groups: dict[tuple[Optional[bytes], ...], tuple[Optional[str], list[Any]]] = {}
    for update in live:
        rev = revs[id(update)]
        same = tuple(files.get((rev, n)) for n in names) if rev is not None else ()
        groups.setdefault(same, (rev, []))[1].append(update)
    findings: list[str] = []
    errors: list[str] = []
    blobs = 0
    seen: set[tuple[str, str, int, str]] = set()
    for same, (rev, group) in groups.items():
        config = Config(root=repo.root)
        accepted = None
        if rev is not None:
            held = {name: data for name, data in zip(names, same, strict=True) if data is not None}
            try:
                config = push.config_from(held, repo, rev, codes)
            except ConfigError as exc:
                _say(f"warning: {escape_text(str(exc))}; scanning with the default config")
            raw = held.get(DEFAULT_BASELINE)
            if raw is not None:
                import json

                try:
                    accepted = parse_baseline(json.loads(raw.decode("utf-8")), DEFAULT_BASELINE)
                except (BaselineError, ValueError, RecursionError) as exc:
                    _say(f"warning: {escape_text(str(exc))}; scanning without a baseline")
        report = push.scan_pushed(
            repo, push.pre_receive_range(group), config, options, mode="pre-receive"
        )
        if accepted is not None:
            apply_baseline(report.files, accepted, Path.cwd())
        blobs += report.scanned
        for finding in report.findings:
            commit = dict(finding.properties).get("commit", "")
            ident = (finding.path, finding.code, finding.line, commit)
            if ident in seen:
                continue
            seen.add(ident)
            refs = ", ".join(push.refs_reaching(repo, commit, group))
            where = f" in commit {commit[:12]}" if commit else ""
            findings.append(
                f"{escape_path(finding.path)}:{finding.line}: {finding.code} {finding.name}"
                f"{where} ({escape_text(refs)})"
            )
        errors.extend(
            f"{escape_path(path)}: {escape_text(reason)}" for path, reason in report.errors
        )
    return findings, errors, blobs


@cli.command("pre-receive")
def pre_receive_command() -> None:
    """Server-side git hook: reject a push whose new commits add Autype keys.

    Reads git's pre-receive input (<old> <new> <ref> per line) on stdin. Settings come from
    the server repository's git config (autype-guard.timeout, .failOpen, .allowSkip,
    .logFile); the config and baseline from each ref's old revision."""
    sys.exit(run_pre_receive(sys.stdin.buffer.read(), os.environ))


def main() -> None:
    """Console-script entry point: runs the CLI and turns any crash into exit 2."""
    try:
        cli(prog_name="autype-guard")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("autype-guard: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        error = f"{type(exc).__name__}: {escape_text(str(exc))}"
        click.echo(f"autype-guard: internal error: {error}", err=True)
        sys.exit(EXIT_ERROR)
