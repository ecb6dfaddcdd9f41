"""Plain data that flows through the pipeline: spans, findings, fixes and file results.

Nothing here holds a raw key or a parse-tree node: every value serialises to JSON/SARIF
and compares across runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Optional, Union

# Finding.properties keys set by the opt-in live check (`scan --verify`).
VERIFICATION = "verification"  # "live", "revoked" or "unknown"
VERIFICATION_DETAIL = "verification_detail"  # a short reason such as "HTTP 200"; never the key


class Severity(str, Enum):
    """How bad a finding is; ordered from least to most severe."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank


_SEVERITY_ORDER = list(Severity)


class FileKind(str, Enum):
    """What a file is, decided by `classify.classify`; drives scanner and rule choice."""

    PYTHON = "python"
    SCRIPT = "script"  # JS/TS source
    BUNDLE = "bundle"  # minified / built JS and CSS
    SOURCE_MAP = "source-map"
    MARKUP = "markup"  # HTML, single-file components, server templates
    SOURCE = "source"  # other programming languages and shell
    CONFIG = "config"  # JSON, YAML, TOML, INI, properties, tfvars, HAR, Dockerfiles
    ENV = "env"  # .env files
    DOCS = "docs"  # Markdown, rst, plain text
    NOTEBOOK = "notebook"  # Jupyter .ipynb
    TEXT = "text"  # text of unknown kind
    BINARY = "binary"
    ARCHIVE = "archive"  # zip/jar/wheel/tarball: its members are scanned as files


class Place(str, Enum):
    """Where a file's content ends up: decides which AG1xx rule a key literal falls under."""

    SERVER = "server"
    BROWSER = "browser"
    CONFIG = "config"
    DOCS = "docs"


class Applicability(str, Enum):
    """Whether a fix may be applied automatically."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display_only"


@dataclass(frozen=True)
class RuleInfo:
    """What reports show of a rule: the rule catalogue is handed to reporters as data."""

    code: str
    name: str
    severity: Severity
    title: str  # a short title ("Autype API keys in documentation")
    docs: str  # the rule's whole documentation (Markdown)
    description: str  # What it does + Why is this bad?


@dataclass(frozen=True, order=True)
class Position:
    """1-based line and column; columns count Unicode code points."""

    line: int
    column: int


@dataclass(frozen=True)
class Span:
    """A half-open range of characters: end is exclusive."""

    start: Position
    end: Position

    @classmethod
    def of(cls, start: tuple[int, int], end: tuple[int, int]) -> Span:
        return cls(Position(*start), Position(*end))


@dataclass(frozen=True)
class Edit:
    """Replace the text between two 0-based character offsets with `content`."""

    start: int
    end: int
    content: str


class EditKind(str, Enum):
    """The edit `autype-guard fix` makes where a key is written: which fixer edits the file
    (one per file; `applicability.edit_kind_for` decides) and what the key becomes."""

    PYTHON_LITERAL = "python-literal"  # libcst codemod: os.environ["NAME"] (comments: placeholder)
    SCRIPT_LITERAL = "script-literal"  # server-side JS/TS: process.env.NAME
    WORKFLOW_VALUE = "workflow-value"  # GitHub workflow: ${{ secrets.NAME }}
    COMPOSE_VALUE = "compose-value"  # docker-compose: ${NAME}
    DOCS_PLACEHOLDER = "docs-placeholder"  # docs and notebooks: ak_your_api_key_here


@dataclass(frozen=True)
class EditSite:
    """Where a key is written, for `autype-guard fix`: 0-based character offsets
    [start, end) into the file's decoded text (after a byte order mark) covering the key's
    written form, as the scanner found it (escaped, URL- or base64-encoded, or joined from
    several literals: see `Finding.encoding`), and the kind of edit made there.

    Never the key: `fix` reads it from the file again at these offsets and checks it
    against the finding's fingerprint. A joined key is read from `pieces`, the ranges whose
    text, in order, spells it; () when no verbatim text spells it (escape sequences in the
    literals), and `fix` then leaves it alone.
    """

    start: int
    end: int
    kind: EditKind
    pieces: tuple[tuple[int, int], ...] = ()
    # An environment variable name the code around the key suggests (`API_KEY = "ak_..."`)
    # or already reads (`os.getenv("NAME", "ak_...")`); never a key.
    hint: Optional[str] = None


@dataclass(frozen=True)
class Fix:
    """What to do about a finding; display-only fixes are suggestions, never applied."""

    title: str
    applicability: Applicability
    edits: tuple[Edit, ...] = ()
    replacement: Optional[str] = None  # the suggested code, shown to the user
    site: Optional[EditSite] = None  # a key literal in a file `fix` can edit: where it is


@dataclass(frozen=True)
class RelatedLocation:
    """Another place a finding concerns, e.g. the original source inside a source map."""

    path: str
    line: int
    message: str


@dataclass(frozen=True)
class Finding:
    """One problem at one place. Holds a redacted preview and a hash, never the key."""

    code: str
    name: str
    message: str
    path: str
    kind: FileKind
    span: Span
    severity: Severity
    fingerprint: str
    preview: str = ""
    suggestion: str = ""
    snippet: str = ""
    snippet_caret: tuple[int, int] = (0, 0)  # where the finding sits in the snippet: start, width
    fix: Optional[Fix] = None
    encoding: str = ""  # how the key was hidden: "", "base64", "url", "escape", "joined"
    placeholder: bool = False
    related: tuple[RelatedLocation, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()
    # True when the finding is about the key literal at `span` (its fingerprint is the
    # key's): one finding per key occurrence. False for keyless findings (AG2xx, AG301).
    has_key: bool = False
    # Fingerprints earlier versions gave this finding: baselines they wrote still match.
    aliases: tuple[str, ...] = ()
    # A key found in a binary file's raw bytes: where it starts in the file and how many
    # bytes it spans. Such a finding has no line: its span is line 1, column offset + 1.
    byte_offset: Optional[int] = None
    byte_length: int = 0

    @property
    def line(self) -> int:
        return self.span.start.line

    @property
    def column(self) -> int:
        return self.span.start.column

    @property
    def identity(self) -> tuple[str, str, str]:
        """What a baseline compares: rule, path and fingerprint, never line numbers."""
        return (self.code, self.path, self.fingerprint)


@dataclass(frozen=True)
class UnusedSuppression:
    """An inline `autype-guard: ignore` comment that suppressed nothing on its line."""

    line: int
    column: int
    codes: tuple[str, ...] = ()  # the codes that matched nothing; () for a blanket ignore
    unknown: tuple[str, ...] = ()  # listed codes that name no rule at all

    @property
    def message(self) -> str:
        if self.unknown:
            names = ", ".join(self.unknown)
            return f"suppression comment names unknown rule code {names}: it matches nothing"
        if self.codes:
            names = ", ".join(self.codes)
            return f"unused suppression comment: no {names} finding on this line"
        return "unused suppression comment: no finding on this line"


@dataclass
class FileResult:
    """Everything learned about one file; `error` set means it could not be scanned."""

    path: str
    kind: FileKind
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: Optional[str] = None
    skipped: Optional[str] = None  # why the file was skipped by design (binary, ...)
    size: int = 0
    suppressed: int = 0
    baselined: int = 0  # findings dropped because the baseline accepts them
    unused_suppressions: list[UnusedSuppression] = field(default_factory=list)
    # Parts of the file that could not be scanned although they should have been (an
    # encrypted archive member, content past a decompression cap): (location, reason),
    # such as ("dist.zip!secret.js", "encrypted zip member: not scanned"). They count as
    # errors of the run (`ScanReport.errors`): a file not fully scanned is never clean.
    unscanned: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class GitSource:
    """Where a git-aware scan read from, for reports. Never holds credentials."""

    mode: str  # "staged", "since", "history", "push" (pre-push) or "pre-receive"
    root: str  # the work tree (or the git directory of a bare repository)
    head: Optional[str] = None  # commit HEAD points at; None in an empty repository
    branch: Optional[str] = None
    remote: Optional[str] = None  # origin's URL with any user name or password removed
    since: Optional[str] = None  # the commit --since resolved to
    commits: int = 0  # history, push, pre-receive: commits walked
    shallow: tuple[str, ...] = ()  # history: boundary commits of a shallow clone


@dataclass(frozen=True)
class Skip:
    """A path that was not scanned, and why. `error` means it should have been and wasn't."""

    display: str
    reason: str
    error: bool = False


@dataclass
class DiscoveryStats:
    """Counts of what discovery passed over, for the summary, and some of the paths
    (`scan --verbose`): the counts are exact, the path lists bounded."""

    excluded: int = 0
    git_ignored: int = 0
    symlinks: int = 0
    special: int = 0
    notes: list[str] = field(default_factory=list)
    # The first PASSED_OVER_SAMPLE paths passed over for each reason (EXCLUDED, GIT_IGNORED,
    # SYMLINK, BINARY_FILE), so memory does not grow with the number of files passed over.
    passed_over: dict[str, list[str]] = field(default_factory=dict)

    def sample(self, reason: str, path: str) -> None:
        """Keep `path` as passed over for `reason` while fewer than PASSED_OVER_SAMPLE are."""
        paths = self.passed_over.setdefault(reason, [])
        if len(paths) < PASSED_OVER_SAMPLE:
            paths.append(path)


# Reasons a path is passed over (DiscoveryStats.passed_over) and how many paths are kept.
EXCLUDED, GIT_IGNORED, SYMLINK, BINARY_FILE = "excluded", "git-ignored", "symlink", "binary"
PASSED_OVER_SAMPLE = 20


@dataclass
class CacheStats:
    """What a history scan with a cache file (`scan --history --cache FILE`) did with it."""

    path: str
    reused: int = 0  # blobs whose results came from the cache
    scanned: int = 0  # blobs read from git and scanned in this run
    new_commits: int = 0  # commits walked that the cache had not seen
    # Why the file was not trusted and was rebuilt (corrupt, foreign, another version or
    # config), or None; the CLI prints it as a warning.
    warning: Optional[str] = None
    # Why earlier results were dropped although the file was sound ("another scanner
    # version", "another configuration"), or None.
    reset: Optional[str] = None


# What a source returns for a file with nothing to report when no FileResult is built.
CLEAN = "clean"
BINARY = "binary"


@dataclass
class ScanReport:
    """The outcome of a run: per-file results plus what discovery skipped.

    `scan_paths` keeps a FileResult only for files with something to say (findings,
    suppressions, notes, errors) and counts the others in `clean_uncounted` and
    `binary_uncounted`, so a run's memory does not grow with the number of files; `scanned`
    and `binary` count both.
    """

    files: list[FileResult] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    stats: DiscoveryStats = field(default_factory=DiscoveryStats)
    elapsed: float = 0.0
    # Files scanned clean (or skipped as binary) whose FileResult was not kept, so that a
    # large run (a tree of 100,000 files, a history of 100,000 blobs) keeps memory flat.
    clean_uncounted: int = 0
    binary_uncounted: int = 0
    git: Optional[GitSource] = None  # set by git-aware scans (--staged, --since, --history)
    cache: Optional[CacheStats] = None  # set by history scans with a cache file

    def add(self, result: Union[FileResult, str], name: Optional[str] = None) -> None:
        """Record one file's result (or CLEAN or BINARY for the file `name`), keeping it only
        when it has something to say."""
        if isinstance(result, str):
            if result == BINARY:
                self.binary_uncounted += 1
                if name is not None:
                    self.stats.sample(BINARY_FILE, name)
            else:
                self.clean_uncounted += 1
        elif is_clean(result):
            if result.skipped == "binary":
                self.binary_uncounted += 1
                self.stats.sample(BINARY_FILE, result.path)
            else:
                self.clean_uncounted += 1
        else:
            self.files.append(result)

    @property
    def findings(self) -> list[Finding]:
        out = [f for result in self.files for f in result.findings]
        out.sort(key=lambda f: (f.path, f.line, f.column, f.code))
        return out

    @property
    def errors(self) -> list[tuple[str, str]]:
        """(path, reason) for everything that should have been scanned and could not be."""
        out = [(r.path, r.error) for r in self.files if r.error]
        out.extend(part for r in self.files for part in r.unscanned)
        out.extend((s.display, s.reason) for s in self.skipped if s.error)
        return out

    @property
    def scanned(self) -> int:
        kept = sum(1 for r in self.files if r.error is None and r.skipped is None)
        return kept + self.clean_uncounted

    @property
    def binary(self) -> int:
        return sum(1 for r in self.files if r.skipped == "binary") + self.binary_uncounted

    @property
    def suppressed(self) -> int:
        return sum(r.suppressed for r in self.files)

    @property
    def baselined(self) -> int:
        return sum(r.baselined for r in self.files)


def is_clean(result: FileResult) -> bool:
    """True for a file scanned (or skipped as binary) with nothing to report."""
    return (
        not result.findings
        and not result.notes
        and result.error is None
        and not result.suppressed
        and not result.baselined
        and not result.unused_suppressions
        and not result.unscanned
        and result.skipped in (None, "binary")
    )
