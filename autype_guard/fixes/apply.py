"""Plan and apply `autype-guard fix`: move every fixable key into the env file, atomically.

Planning (`plan_fixes`) writes nothing. It scans once (the scanners and the rules decide what
is a finding; `applicability.py` decides which files can be fixed, and each key finding there
carries its `EditSite`: where the key is written and which fixer edits it). It then reads
each fixable file again (a read-only one keeps its keys), reads every key back from its site
and checks it against the finding's fingerprint (a file whose keys are no longer where the
scan saw them is reported as changed, never guessed at; a key that Python constant
expressions assemble is in no one place, so that file's constant expressions are evaluated
again to read it), asks the file's fixer what it can do, picks variable names for the whole
run (`naming.py`), computes every new file in memory and checks each: it decodes, parses
(Python), and each fixed key's written form occurs that many times fewer.

Applying (`apply_plan`) keeps one invariant: **a key is never in neither place**. Order:

1. Every new file is written to a temporary file in its own directory (same file system,
   so the final rename is atomic), mode 0600 until complete, then the original's mode, and
   fsynced. The sources are checked to be unchanged since planning. Git must never see a
   temporary file (a killed run leaves them; the env file's holds every moved key): each
   repository's `info/exclude` lists their pattern first, and git is asked that it ignores
   each (`temps.py`). Any failure here: temporary files are removed, nothing was changed,
   each key is still only in its source file.
2. `.gitignore` (when the env file was not ignored) is replaced first, and git is asked
   again: if the env file is still not ignored, `.gitignore` is restored and the run stops.
3. The env file is replaced: from now on each key is in the env file (and still in its
   source). If this fails, the run stops: no key was moved (an added `.gitignore` line
   stays; it is harmless).
4. Each source file is checked once more and replaced. A source that cannot be replaced
   keeps its key, which is then in both places, and is reported; never in neither.

A crash between 3 and 4 leaves keys in both places; the next run finds the env file's line
already there and only edits the sources. A crash before the renames leaves temporary
files, ignored by git; the next run (`run_fix`) removes them. The remaining window is a
source edited by someone else between the last check and its rename (4): not detectable
without locks.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import stat
import time
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

from ..api import ScanOptions, ScanReport, read_file, scan_paths, scan_text
from ..config import Config
from ..keys import KeyMatcher, fingerprint, is_real_key, redact
from ..model import Applicability, EditKind, EditSite, FileKind, Finding
from ..rules import RULES, KeyLiteralRule
from ..textio import decode
from . import temps
from .envfile import (
    EnvFile,
    FixError,
    TextFile,
    format_entry,
    git_toplevel,
    gitignore_pattern,
    gitignore_with,
    is_ignored,
    is_tracked,
    read_text_file,
)
from .naming import NameBook, NameRequest, is_env_like
from .target import FileFix, Outcome, Target

# The rules whose findings are key literals, which the fixers can move.
_LITERAL_CODES = frozenset(rule.CODE for rule in RULES if issubclass(rule, KeyLiteralRule))


@dataclass(frozen=True)
class FixOptions:
    """Per-run choices of `fix`."""

    diff: bool = False
    env_file: Optional[Path] = None  # default: `.env` at the repository root
    respect_gitignore: bool = True


@dataclass(frozen=True)
class FixedKey:
    """One key moved out of one place."""

    path: str
    line: int
    column: int
    code: str
    preview: str
    replacement: str
    name: str
    docs: bool = False  # replaced by the docs placeholder
    note: str = ""  # why the key got this name (empty: the default name)


@dataclass(frozen=True)
class Unfixed:
    """A finding that stays, and why."""

    finding: Finding
    reason: str


@dataclass(frozen=True)
class SavedKey:
    """An env-file entry the run adds (or found already there)."""

    name: str
    preview: str
    added: bool
    note: str = ""


@dataclass(frozen=True)
class Exposed:
    """A key that was found in the files: it must be rotated whatever the fix did."""

    preview: str
    fingerprint: str
    paths: tuple[str, ...]


@dataclass
class FileChange:
    """One file's old and new bytes; `old` None: the file does not exist yet."""

    path: Path
    display: str
    # NOTE: the bytes hold keys (the env file's always): kept out of repr, never printed.
    old: Optional[bytes] = field(repr=False)
    new: bytes = field(repr=False)
    mode: int = 0o644
    encoding: str = "utf-8"


@dataclass
class FixPlan:
    """Everything a fix run would do; nothing has been written."""

    env_path: Path
    env_display: str
    repo: Optional[Path]
    scan: ScanReport
    sources: list[FileChange] = field(default_factory=list)
    env: Optional[FileChange] = None
    gitignore: Optional[FileChange] = None
    fixed: list[FixedKey] = field(default_factory=list)
    unfixed: list[Unfixed] = field(default_factory=list)
    saved: list[SavedKey] = field(default_factory=list)
    exposed: list[Exposed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[tuple[str, str]]:
        return self.scan.errors

    @property
    def pending(self) -> bool:
        return bool(self.sources or self.env or self.gitignore)

    @property
    def changes(self) -> list[FileChange]:
        """In write order: .gitignore, env file, sources (see the module docstring)."""
        out = [c for c in (self.gitignore, self.env) if c is not None]
        return out + self.sources


@dataclass
class FixReport:
    """The outcome of a run: the plan, and what was written or failed to be."""

    plan: FixPlan
    applied: bool = False
    written: list[str] = field(default_factory=list)
    write_errors: list[tuple[str, str]] = field(default_factory=list)
    # Temporary files an interrupted run left (removed, unless this is a --diff run).
    stale: list[str] = field(default_factory=list)


# --- reading files exactly -----------------------------------------------------------------


def _decode_exact(data: bytes, kind: FileKind) -> Optional[tuple[str, str]]:
    """(text, encoding) such that text.encode(encoding) == data, or None."""
    try:
        if kind is FileKind.PYTHON:
            encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        else:
            encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        text = data.decode(encoding)
        if text.encode(encoding) != data:
            return None
    except (SyntaxError, LookupError, UnicodeError):
        return None
    return text, encoding


def default_env_file(paths: Sequence[Path]) -> Path:
    """`.env` at the root of the repository holding `paths`, else beside them."""
    resolved = [p.resolve() for p in paths] or [Path.cwd()]
    common = Path(os.path.commonpath([str(p) for p in resolved]))
    base = common if common.is_dir() else common.parent
    return (git_toplevel(base) or base) / ".env"


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# --- planning ------------------------------------------------------------------------------

# Why a file's keys are left alone when they are no longer where the scan found them.
CHANGED_SINCE_SCAN = "the file changed since it was scanned; run fix again"


@dataclass
class _Site:
    """A fixable finding, with its key read back from the file at the finding's edit site."""

    finding: Finding
    site: EditSite
    key: str = field(repr=False)  # NOTE: never shown
    analysis: Outcome = field(default_factory=lambda: Outcome(False))
    assigned: Optional[str] = None
    note: str = ""


@dataclass
class _FileWork:
    path: Path
    display: str
    data: bytes
    mode: int
    text: str
    encoding: str
    kind: EditKind
    findings: list[Finding]
    sites: list[_Site] = field(default_factory=list)
    skipped: list[Unfixed] = field(default_factory=list)  # findings whose key stays, and why


def _run_fixer(kind: EditKind, text: str, targets: Sequence[Target]) -> FileFix:
    if kind is EditKind.PYTHON_LITERAL:
        from .python import fix_python

        return fix_python(text, targets)
    from .text import fix_text

    return fix_text(text, kind, targets)


def _targets(work: _FileWork, names: Sequence[Optional[str]]) -> list[Target]:
    return [
        Target(
            s.site.start,
            s.site.end,
            s.key,
            name,
            joined=s.finding.encoding == "joined",
            encoding=s.finding.encoding,
        )
        for s, name in zip(work.sites, names, strict=True)
    ]


def _site_of(finding: Finding) -> Optional[EditSite]:
    """The edit site of a key-literal finding `fix` may apply, else None."""
    fix = finding.fix
    if (
        finding.code not in _LITERAL_CODES
        or fix is None
        or fix.applicability is Applicability.DISPLAY_ONLY
    ):
        return None
    return fix.site


def _same_offsets(scanned: str, exact: str) -> bool:
    """True when character offsets into `scanned` (the text as the scan decoded it: UTF-8,
    bad bytes as U+FFFD) are offsets into `exact` (decoded as the file declares)."""
    if scanned == exact:
        return True
    return len(scanned) == len(exact) and all(
        a == b or a == "\ufffd" for a, b in zip(scanned, exact, strict=True)
    )


def _exact_offset(data: bytes, encoding: str, offset: int) -> Optional[int]:
    """The offset in `data` decoded as `encoding` of `offset` in `data` as the scan decoded
    it (UTF-8, bad bytes as U+FFFD); None unless an ASCII byte is next to it (at an edit
    site's ends, a key's first and last characters are: there both decodings are in step).
    For files in a declared encoding other than UTF-8 only; linear in the file's size per
    offset times a logarithm: such files are rare and small."""

    def scanned(n: int) -> int:
        return len(data[:n].decode("utf-8", errors="replace"))

    lo, hi = 0, len(data)
    while lo < hi:  # the shortest prefix the scan read as `offset` characters
        mid = (lo + hi) // 2
        if scanned(mid) < offset:
            lo = mid + 1
        else:
            hi = mid
    ascii_before = lo > 0 and data[lo - 1] < 0x80
    ascii_after = lo < len(data) and data[lo] < 0x80
    if scanned(lo) != offset or not (ascii_before or ascii_after):
        return None
    try:
        return len(data[:lo].decode(encoding))
    except (LookupError, UnicodeError):
        return None


def _site_in(site: EditSite, data: bytes, encoding: str) -> Optional[EditSite]:
    """`site` (offsets into the text as scanned) with offsets into the text decoded as
    `encoding`; None when an offset has no exact counterpart."""
    ends = [site.start, site.end, *(x for piece in site.pieces for x in piece)]
    mapped = [_exact_offset(data, encoding, x) for x in ends]
    if any(x is None for x in mapped):
        return None
    at = [x for x in mapped if x is not None]
    pieces = tuple((at[i], at[i + 1]) for i in range(2, len(at), 2))
    return replace(site, start=at[0], end=at[1], pieces=pieces)


def _prepare_file(
    path: Path, findings: list[Finding], config: Config
) -> tuple[Optional[_FileWork], str]:
    """Read a file with fixable findings and read its keys back; (None, reason) if it can't."""
    try:
        data = read_file(path)
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        return None, f"could not read it again: {exc.strerror or exc}"
    # NOTE: a rename would replace a read-only file all the same (even for root, who may
    # write anything): its mode says "do not edit", so its keys stay.
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        return None, "the file is read-only: make it writable and run fix again"
    return _prepare_data(path, data, mode, findings, config)


def _assembled_keys(text: str, matcher: KeyMatcher) -> dict[tuple[int, int], str]:
    """The keys that Python constant expressions in `text` assemble, by the offsets of the
    expression that completes each."""
    from ..scanners.python import scan_python  # start-up time: libcst

    occurrences, _notes = scan_python(text, matcher)
    return {
        (occ.hit.start, occ.hit.end): occ.hit.key
        for occ in occurrences
        if occ.hit.encoding == "assembled"
    }


def _prepare_data(
    path: Path, data: bytes, mode: int, findings: list[Finding], config: Config
) -> tuple[Optional[_FileWork], str]:
    """`data` as the file to fix, with every finding's key read back from its edit site;
    (None, reason) when the file cannot be fixed, e.g. a key is no longer at its site."""
    sites = [_site_of(f) for f in findings]
    kinds = {site.kind for site in sites if site is not None}
    if len(kinds) != 1 or None in sites:
        return None, "internal error: findings without one kind of edit site"
    decoded = _decode_exact(data, findings[0].kind)
    if decoded is None:
        return None, "it is not valid text in its declared encoding; fix it by hand"
    text, encoding = decoded
    # The scan read the file as UTF-8; a file in another declared encoding (PEP 263) may
    # spell some characters with another number of bytes: then offsets are translated.
    aligned = _same_offsets(decode(data).text, text)
    work = _FileWork(path, findings[0].path, data, mode, text, encoding, kinds.pop(), findings)
    matcher = KeyMatcher(config.key_pattern)
    assembled: Optional[dict[tuple[int, int], str]] = None
    for finding, scanned_site in zip(findings, sites, strict=True):
        assert scanned_site is not None
        if finding.encoding == "joined" and not scanned_site.pieces:
            # The scanner knows the value, not where each of its parts is written (a literal
            # with escape sequences, a call's arguments): nothing to read it back from.
            reason = "the key is assembled from parts written apart; move it by hand"
            work.skipped.append(Unfixed(finding, reason))
            continue
        site = scanned_site if aligned else _site_in(scanned_site, data, encoding)
        if site is None:
            return None, (
                f"its declared encoding ({encoding}) spells the text around a key differently"
                " from UTF-8; fix it by hand"
            )
        if finding.encoding == "assembled":
            # A key built by an expression of constants is in no one place of the text:
            # the file's constant expressions are evaluated again (Python only, rare).
            if assembled is None:
                assembled = _assembled_keys(text, matcher)
            key = assembled.get((site.start, site.end))
        else:
            key = matcher.key_at(text, site.start, site.end, finding.encoding, site.pieces)
        if key is None or fingerprint(key) != finding.fingerprint:
            # NOTE: never guess where the key went: the whole file waits for a new scan.
            return None, CHANGED_SINCE_SCAN
        if finding.placeholder or not is_real_key(key):
            work.skipped.append(Unfixed(finding, "a placeholder, not a key"))
        elif format_entry("X", key) is None:
            work.skipped.append(Unfixed(finding, "the key cannot be written to an env file"))
        else:
            work.sites.append(_Site(finding, site, key))
    return work, ""


def plan_fixes(paths: Sequence[Path], config: Config, options: FixOptions) -> FixPlan:
    """Work out everything `fix` would do; writes nothing.

    Raises FixError for what stops the whole run (a tracked or unusable env file); problems
    with single files become unfixed findings, read errors stay in `plan.errors`.
    """
    scan = scan_paths(paths, config, ScanOptions(respect_gitignore=options.respect_gitignore))
    default_path = default_env_file(paths).absolute()
    loader = None
    python_fixes = [
        Path(f.path)
        for f in scan.findings
        if f.kind is FileKind.PYTHON and _site_of(f) is not None and not f.placeholder
    ]
    if python_fixes:
        # How the moved keys reach os.environ: the project's env-file loader, and its file.
        from .loaders import detect

        loader = detect(python_fixes, default_path.parent, git_toplevel(default_path.parent))
    env_path = options.env_file.absolute() if options.env_file else default_path
    loader_note = ""
    if options.env_file is None and loader is not None and loader.env_file is not None:
        top = git_toplevel(loader.env_file.parent)
        if top is not None and is_tracked(top, loader.env_file):
            # NOTE: never write keys into a file git tracks; the default file gets them.
            loader_note = (
                f"{loader.name} reads {_display(loader.env_file)}, which git tracks: the keys"
                f" went to {_display(env_path)} instead; point the loader at that file"
            )
        else:
            env_path = loader.env_file
    env = EnvFile.read(env_path)
    repo = git_toplevel(env_path.parent)
    if repo is not None and not env_path.resolve().is_relative_to(repo):
        repo = None
    if repo is not None and is_tracked(repo, env_path):
        raise FixError(
            f"{_display(env_path)} is tracked by git: writing keys into it would commit them."
            f" Untrack it (git rm --cached {_display(env_path)}), or choose another file with"
            " --env-file."
        )
    plan = FixPlan(env_path, _display(env_path), repo, scan)

    by_path: dict[str, list[Finding]] = {}
    untouched: list[Finding] = []  # keys fix leaves where they are, which still need rotating
    for finding in scan.findings:
        if temps.is_temp_name(Path(finding.path).name):
            continue  # an interrupted run's temporary file: `run_fix` removes it
        if Path(finding.path).absolute().resolve() == env_path.resolve():
            plan.notes.append(
                f"{finding.path}:{finding.line}: the env file itself; keys belong there"
            )
            untouched.append(finding)
            continue
        by_path.setdefault(finding.path, []).append(finding)

    works: list[_FileWork] = []
    for display in sorted(by_path):
        fixable = []
        for finding in by_path[display]:
            if _site_of(finding) is None:
                plan.unfixed.append(Unfixed(finding, "no automatic fix is safe here"))
            else:
                fixable.append(finding)
        if not fixable:
            continue
        try:
            work, reason = _prepare_file(Path(display), fixable, config)
            if work is not None:
                _analyse(work, config)
        except Exception as exc:  # one file's trouble must not stop the others' fixes
            work, reason = None, f"internal error: {type(exc).__name__}: {exc}"
        if work is None:
            plan.unfixed.extend(Unfixed(f, reason) for f in fixable)
            continue
        plan.unfixed.extend(work.skipped)
        works.append(work)

    _assign_names(works, env, config, repo)
    moved: list[tuple[str, str, str]] = []
    moved_keys: dict[str, tuple[str, list[str]]] = {}
    for work in works:
        for site in _finish_file(work, plan):
            assert site.assigned is not None
            moved.append((site.assigned, site.key, site.note))
            moved_keys.setdefault(site.finding.fingerprint, (redact(site.key), []))[1].append(
                work.display
            )
    _plan_env(plan, env, moved)
    _collect_exposed(plan, moved_keys, untouched)
    if any(w.kind is EditKind.PYTHON_LITERAL for w in works if w.display in fixed_paths(plan)):
        from .loaders import advice

        plan.notes.append(advice(loader, plan.env_display))
        if loader_note:
            plan.notes.append(loader_note)
    plan.unfixed.sort(key=lambda u: (u.finding.path, u.finding.line, u.finding.column))
    return plan


def fixed_paths(plan: FixPlan) -> set[str]:
    return {item.path for item in plan.fixed if not item.docs}


def _analyse(work: _FileWork, config: Config) -> None:
    names = [config.env_var] * len(work.sites)  # any name will do to see what is fixable
    analysis = _run_fixer(work.kind, work.text, _targets(work, names))
    for site in work.sites:
        site.analysis = analysis.outcomes.get(site.site.start, Outcome(False, reason="not found"))


def fix_source(text: str, path: str, config: Optional[Config] = None) -> str:
    """`text` as `fix` would leave the file `path` in a project with an empty env file.

    For rule examples, tests and editors; reads and writes nothing. Never raises.
    """
    config = config or Config()
    fixable = [f for f in scan_text(text, path, config).findings if _site_of(f) is not None]
    if not fixable:
        return text
    try:
        work, _ = _prepare_data(Path(path), text.encode("utf-8"), 0o644, fixable, config)
        if work is None:
            return text
        _analyse(work, config)
        _assign_names([work], EnvFile(Path(".env")), config)
        plan = FixPlan(Path(".env"), ".env", None, ScanReport())
        if not _finish_file(work, plan):
            return text
        return plan.sources[0].new.decode(work.encoding)
    except Exception:  # the contract: never raises; the text stays as it was
        return text


def _assign_names(
    works: list[_FileWork], env: EnvFile, config: Config, repo: Optional[Path] = None
) -> None:
    """Give each fixable site a variable name; deterministic for the whole run. Names are
    derived from paths relative to the repository's top level (`repo`), so they do not
    depend on where the run started."""
    book = NameBook(
        {name: value for name, value in env.values.items()},
        config.env_var,
        config.public_env_prefixes,
        env_name=_display(env.path),
    )
    ranked: list[tuple[int, str, int, _Site]] = []
    for work in works:
        for site in work.sites:
            outcome = site.analysis
            if not outcome.fixed and outcome.reads is None:
                continue
            hint = site.site.hint
            if outcome.reads is not None:
                tier = 0
            elif outcome.docs:
                tier = 3
            elif hint is not None and is_env_like(hint):
                tier = 1
            else:
                tier = 2
            ranked.append((tier, _naming_path(work, repo), site.site.start, site))
    ranked.sort(key=lambda r: (r[0], r[1], r[2]))
    for _, display, _, site in ranked:
        outcome = site.analysis
        request = NameRequest(
            key=site.key,
            hint=outcome.reads if outcome.reads is not None else site.site.hint,
            bound=outcome.reads is not None,
            path=display,
        )
        assignment = book.assign(request)
        site.assigned = assignment.name
        site.note = assignment.note


def _naming_path(work: _FileWork, repo: Optional[Path]) -> str:
    if repo is not None:
        try:
            return work.path.resolve().relative_to(repo.resolve()).as_posix()
        except (ValueError, OSError):
            pass
    return work.display


def _finish_file(work: _FileWork, plan: FixPlan) -> list[_Site]:
    """Run the fixer with the final names; record fixed and unfixed; return fixed sites."""
    result = _run_fixer(work.kind, work.text, _targets(work, [s.assigned for s in work.sites]))
    outcomes = {s.site.start: result.outcomes.get(s.site.start) for s in work.sites}
    problem = None
    new_bytes = b""
    if result.text == work.text:
        problem = "no exact fix"
    else:
        try:
            new_bytes = result.text.encode(work.encoding)
        except UnicodeError:
            problem = f"the fixed text cannot be encoded as {work.encoding}"
        if problem is None:
            problem = _verify(work, result)
    if problem is not None:
        outcomes = {
            start: o if o is not None and not o.fixed else Outcome(False, reason=problem)
            for start, o in outcomes.items()
        }
    fixed_sites = []
    for site in work.sites:
        outcome = outcomes.get(site.site.start)
        if outcome is None or not outcome.fixed:
            reason = (outcome.reason if outcome else "") or "no exact fix"
            if site.assigned is None:
                # Never named: either the first pass found no safe edit, or no name was free.
                reason = site.note or site.analysis.reason or reason
            site.analysis = Outcome(False, reason=reason)
            plan.unfixed.append(Unfixed(site.finding, reason))
            continue
        site.analysis = outcome
        fixed_sites.append(site)
    if fixed_sites:
        plan.sources.append(
            FileChange(work.path, work.display, work.data, new_bytes, work.mode, work.encoding)
        )
    for site in fixed_sites:
        assert site.assigned is not None
        plan.fixed.append(
            FixedKey(
                path=work.display,
                line=site.finding.line,
                column=site.finding.column,
                code=site.finding.code,
                preview=redact(site.key),
                replacement=site.analysis.replacement,
                name=site.assigned,
                docs=site.analysis.docs,
                note=site.note,
            )
        )
    if fixed_sites and work.kind is EditKind.WORKFLOW_VALUE:
        names = sorted({s.assigned for s in fixed_sites if s.assigned and not s.analysis.docs})
        if names:
            plan.notes.append(
                f"{work.display}: add the repository secret(s) {', '.join(names)} in GitHub"
                " (Settings -> Secrets and variables -> Actions); the values are in"
                f" {_display(plan.env_path)}."
            )
    if work.kind is EditKind.COMPOSE_VALUE and fixed_sites:
        plan.notes.append(
            f"{work.display}: docker compose reads ${{NAME}} from the environment or from the"
            " .env file in the compose project directory."
        )
    return fixed_sites


def _verify(work: _FileWork, result: FileFix) -> Optional[str]:
    """None when the written form of every key at a site occurs in the new text exactly as
    many times fewer as the fixer moved it: the fixed keys are gone, the others all stay."""
    forms = {s.site.start: work.text[s.site.start : s.site.end] for s in work.sites}
    moved = [
        forms[s.site.start]
        for s in work.sites
        if (o := result.outcomes.get(s.site.start)) is not None and o.fixed
    ]
    for form in set(forms.values()):
        gone = sum(m.count(form) for m in moved)
        if result.text.count(form) != work.text.count(form) - gone:
            return "the fixed file still holds the key (a bug in autype-guard: please report it)"
    return None


def _plan_env(plan: FixPlan, env: EnvFile, moved: list[tuple[str, str, str]]) -> None:
    """The env-file entries for the moved keys, and the `.gitignore` line if needed."""
    entries: list[str] = []
    seen: set[str] = set()
    for name, key, note in moved:
        if name in seen:
            continue
        seen.add(name)
        added = env.values.get(name) != key
        if added:
            line = format_entry(name, key)
            assert line is not None  # checked when the site was selected
            entries.append(line)
        plan.saved.append(SavedKey(name, redact(key), added, note))
    if entries:
        new = env.with_entries(entries).encode("utf-8")
        plan.env = FileChange(
            env.path, plan.env_display, env.data, new, env.mode if env.data else 0o600
        )
    if moved and plan.repo is not None and not is_ignored(plan.repo, plan.env_path):
        current: TextFile = read_text_file(plan.repo / ".gitignore", 0o644)
        pattern = gitignore_pattern(plan.repo, plan.env_path)
        plan.gitignore = FileChange(
            current.path,
            _display(current.path),
            current.data,
            gitignore_with(current, pattern),
            current.mode,
        )


def _collect_exposed(
    plan: FixPlan, moved_keys: dict[str, tuple[str, list[str]]], untouched: Sequence[Finding] = ()
) -> None:
    """Every real key found, fixed, left for the user or left alone (the env file's own, a
    browser-exposed `NEXT_PUBLIC_` one among them): all of them must be rotated. Masked."""
    exposed = {fp: (preview, list(paths)) for fp, (preview, paths) in moved_keys.items()}
    for finding in [*(item.finding for item in plan.unfixed), *untouched]:
        if not finding.preview or finding.placeholder:
            continue
        exposed.setdefault(finding.fingerprint, (finding.preview, []))[1].append(finding.path)
    plan.exposed = [
        Exposed(preview, fp, tuple(sorted(set(paths))))
        for fp, (preview, paths) in sorted(exposed.items(), key=lambda kv: kv[1][1][0])
    ]


# --- applying -------------------------------------------------------------------------------


def _write_temp(change: FileChange) -> str:
    """Write `change.new` to a temporary file beside the target; return its path. The file
    is mode 0600 until it holds all its bytes, then gets the target's mode."""
    fd, tmp = temps.create(change.path.absolute().parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(change.new)
            handle.flush()
            os.fchmod(handle.fileno(), change.mode)
            os.fsync(handle.fileno())
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _unchanged(change: FileChange) -> bool:
    try:
        current: Optional[bytes] = read_file(change.path)
    except FileNotFoundError:
        current = None
    except OSError:
        return False
    return current == change.old


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path.absolute().parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def apply_plan(plan: FixPlan) -> FixReport:
    """Write the plan (see the module docstring for the order and why).

    Raises FixError when nothing could be written (every key is still where it was).
    """
    report = FixReport(plan)
    changes = plan.changes
    written: dict[int, str] = {}  # the temporary file of each change
    # NOTE: a run killed before its renames leaves the temporary files behind (the env
    # file's holds every moved key): git must never see them, see `temps.py`.
    repos = temps.repositories(c.path.absolute().parent for c in changes)
    temps.exclude_from_git(repos)
    try:
        for change in changes:
            if not _unchanged(change):
                raise FixError(
                    f"{change.display} changed since it was read; nothing was written, run"
                    " fix again"
                )
            try:
                written[id(change)] = _write_temp(change)
            except OSError as exc:
                raise FixError(
                    f"cannot write {change.display}: {exc.strerror or exc}; nothing was written"
                ) from None
        seen = temps.check_ignored(repos, written.values())
        if seen is not None:
            raise FixError(
                f"git does not ignore the temporary file {seen} although info/exclude lists"
                f" {temps.TEMP_PATTERN} (a negation rule in a .gitignore?); nothing was written"
            )
        if plan.gitignore is not None:
            _replace_or_stop(plan.gitignore, written.pop(id(plan.gitignore)), report)
            assert plan.repo is not None
            if not is_ignored(plan.repo, plan.env_path):
                # The added line is harmless if it cannot be taken back; the run stops anyway.
                with contextlib.suppress(OSError):
                    _restore(plan.gitignore)
                raise FixError(
                    f"git still does not ignore {plan.env_display} after adding it to"
                    f" {plan.gitignore.display} (a negation rule?); no key was moved"
                )
        if plan.env is not None:
            _replace_or_stop(plan.env, written.pop(id(plan.env)), report)
    except BaseException:
        for tmp in written.values():
            _remove(tmp)
        raise
    for change in plan.sources:
        tmp = written.pop(id(change))
        if not _unchanged(change):
            _remove(tmp)
            report.write_errors.append(
                (change.display, "changed since it was read: not fixed, its keys stay in it")
            )
            continue
        try:
            _replace(change, tmp, report)
        except OSError as exc:
            _remove(tmp)
            report.write_errors.append(
                (change.display, f"{exc.strerror or exc}: not fixed, its keys stay in it")
            )
    report.applied = True
    return report


def _replace_or_stop(change: FileChange, tmp: str, report: FixReport) -> None:
    """Replace `.gitignore` or the env file; a failure stops the run before any source."""
    try:
        _replace(change, tmp, report)
    except OSError as exc:
        _remove(tmp)
        raise FixError(
            f"cannot write {change.display}: {exc.strerror or exc}; no key was moved"
        ) from None


def _replace(change: FileChange, tmp: str, report: FixReport) -> None:
    os.replace(tmp, change.path)
    _fsync_dir(change.path)
    report.written.append(change.display)


def _restore(change: FileChange) -> None:
    if change.old is None:
        _remove(str(change.path))
        return
    restore = FileChange(change.path, change.display, None, change.old, change.mode)
    os.replace(_write_temp(restore), change.path)


def run_fix(paths: Sequence[Path], config: Config, options: FixOptions) -> FixReport:
    """Plan, then apply unless `options.diff`. Raises FixError when the run must stop.

    First the temporary files an interrupted run left where this run looks are removed
    (only counted with `options.diff`)."""
    started = time.time()
    plan = plan_fixes(paths, config, options)
    stale = _stale_temps(plan, started, remove=not options.diff)
    if options.diff or not plan.pending:
        report = FixReport(plan)
    else:
        report = apply_plan(plan)
    report.stale = stale
    return report


def _stale_temps(plan: FixPlan, before: float, remove: bool) -> list[str]:
    """The temporary files an interrupted run left in the directories this run writes to or
    found keys in (the only ones a run writes to), removed when `remove`."""
    directories = {plan.env_path.parent, *(c.path.absolute().parent for c in plan.changes)}
    directories.update(Path(f.path).absolute().parent for f in plan.scan.findings)
    if plan.repo is not None:
        directories.add(plan.repo)
    if remove:
        return [_display(p) for p in temps.remove_stale(directories, before)]
    return [_display(p) for p in temps.find_stale(directories, before)]


__all__ = [
    "Exposed",
    "FixError",
    "FixOptions",
    "FixPlan",
    "FixReport",
    "FixedKey",
    "SavedKey",
    "Unfixed",
    "apply_plan",
    "default_env_file",
    "fix_source",
    "plan_fixes",
    "run_fix",
]
