"""The engine: the one per-file pipeline, from a file's bytes to its findings.

Every source (a work-tree file, a window of a large file, an archive member, a git blob,
standard input) hands bytes and a path to `Engine.scan_plain` (or the module functions
below, which find the engine for a config and options); nothing else sniffs, prefilters,
runs rules or applies suppressions. The engine owns every cache the pipeline uses: the key
matcher, the active rules and the prefilters.

    bytes --sniff (binary? UTF-16?)--> prefilter markers --rules_to_run--> decode, place
          --check_text (rules over a FileContext)--> finish (one per key, suppression)
          --> FileResult
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from .binaries import binary_findings, is_binary_format, may_hold_key
from .classify import classify
from .config import Config
from .context import FileContext, KeySink, ScanSettings
from .exposure import place_of
from .keys import DEFAULT_KEY_PATTERN, PREFILTER_MARKERS, KeyMatcher, marker_confirmations
from .lazy_regex import lazy_compile
from .model import BINARY, CLEAN, FileKind, FileResult, Finding, Place, UnusedSuppression
from .prefilter import Prefilter
from .rules import RULES, Rule, one_per_key
from .suppress import (
    SUPPRESSION_MARKER,
    inline_ignore_codes,
    is_config_ignored,
    unused_suppressions,
)
from .textio import BINARY_SNIFF, decode, looks_binary, too_many_controls, utf16_without_bom


@dataclass(frozen=True)
class ScanOptions:
    """Per-run choices that are not repository configuration.

    `key_collector` is set only when the user asked for the live check (`scan --verify`):
    the scan then hands the raw keys behind its findings to it, in memory. It cannot be
    pickled, so a scan that sets it must run its files in this process.
    """

    show_secrets: bool = False
    show_placeholders: bool = False
    respect_gitignore: bool = True
    inline_ignore: bool = True
    # Worker processes for `scan_paths`: 1 scans in this process, 0 uses every core.
    jobs: int = 1
    # The marker search engine: "auto", "python" or "ahocorasick" (see `prefilter.py`).
    prefilter: str = "auto"
    # Files larger than `chunk_size` bytes are scanned in windows of that size which overlap
    # by `chunk_overlap` bytes on each side (see `sources/chunks.py`), so memory stays bounded.
    chunk_size: int = 8 << 20
    chunk_overlap: int = 256 << 10
    key_collector: Optional[KeySink] = field(default=None, repr=False, compare=False)

    @property
    def settings(self) -> ScanSettings:
        return ScanSettings(self.show_secrets, self.show_placeholders)


class Engine:
    """The pipeline for one config and one set of options, with its caches: the key
    matcher, the active rules and the marker prefilter. Sources that scan many files hold
    one (`engine_for`) rather than looking it up per file."""

    def __init__(self, config: Config, options: ScanOptions) -> None:
        self.config = config
        self.options = options
        self.matcher = _matcher(config.key_pattern)
        self.rules = active_rules(config)
        self.prefilter = _prefilter(
            self.rules, options.prefilter, options.inline_ignore, config.key_pattern
        )
        self._absent = self.prefilter.absent_test()

    def scan_plain(
        self,
        data: bytes,
        display: str,
        rel: str,
        cut: bool = False,
        *,
        kind: Optional[FileKind] = None,
        place: Optional[Place] = None,
    ) -> FileResult:
        """Scan plain (not packed) content; see `scan_plain`."""
        return scan_plain(
            data, display, self.config, self.options, rel, cut, kind=kind, place=place
        )

    def is_clean(self, data: bytes, *, findings_only: bool = False) -> Optional[str]:
        """The common case of a large run, decided without building a FileResult: BINARY or
        CLEAN when plain `data` certainly has nothing to report, else None (scan it).

        `findings_only`: only findings count (a history scan does not report suppression
        comments of old revisions): CLEAN also when no enabled rule can fire on `data`
        (see `may_have_findings`)."""
        if data.find(b"\0", 0, BINARY_SNIFF) != -1 or data.startswith(_UTF16_BOMS):
            # The rare case: UTF-16 (the byte prefilter cannot read it), a binary file
            # (holding a key prefix? see `binaries`) or text with stray NULs (read on).
            if _is_utf16(data):
                return None
            # (`looks_binary`, less the tests just made: a NUL is there, no UTF-16.)
            if too_many_controls(data[:BINARY_SNIFF]):
                return None if may_hold_key(data) else BINARY
        if self._absent(data) or not self.prefilter(data):  # absent: the cheap common case
            return CLEAN
        if findings_only and not may_have_findings(data, self.config):
            return CLEAN
        return None


def engine_for(config: Config, options: ScanOptions) -> Engine:
    """The engine for a config and options (one per process and pair). A live check's
    key collector is not part of the options' identity, so such options get their own."""
    if options.key_collector is not None:
        return Engine(config, options)
    return _shared_engine(config, options)


@lru_cache(maxsize=32)  # one per config of a monorepo's sub-projects
def _shared_engine(config: Config, options: ScanOptions) -> Engine:
    return Engine(config, options)


@lru_cache(maxsize=8)
def _matcher(pattern: str) -> KeyMatcher:
    return KeyMatcher(pattern)


@lru_cache(maxsize=8)
def active_rules(config: Config) -> tuple[type[Rule], ...]:
    """The rules enabled by config and `--select`/`--ignore` (cached: asked once per file)."""
    return tuple(rule for rule in RULES if config.is_enabled(rule.CODE))


@lru_cache(maxsize=8)
def _prefilter(
    rules: tuple[type[Rule], ...], engine: str, suppressions: bool, key_pattern: str
) -> Prefilter:
    # One per process, rule set and key pattern.
    markers = [m for rule in rules for m in rule.MARKERS]
    if suppressions:
        markers.append(_SUPPRESSION_BYTES)
    confirm = marker_confirmations(key_pattern)
    for rule in rules:
        confirm.update(rule.CONFIRM)
    return Prefilter(markers, engine, confirm)


def may_have_findings(data: bytes, config: Config) -> bool:
    """The cheap first look of `scan_bytes` for plain (not packed, not binary) content:
    False means no enabled rule can fire on `data` (see `rules_to_run`). UTF-16 with a BOM
    always passes, with or without a byte order mark."""
    if _is_utf16(data):
        return True
    prefilter = _prefilter(active_rules(config), "auto", False, config.key_pattern)
    if not prefilter(data):
        return False
    return bool(rules_to_run(data, FileKind.TEXT, prefilter.present(data), config))


def scan_plain(
    data: bytes,
    display: str,
    config: Config,
    options: ScanOptions,
    rel: str,
    cut: bool = False,
    *,
    kind: Optional[FileKind] = None,
    place: Optional[Place] = None,
) -> FileResult:
    """The per-file pipeline for plain content shown as `display` (`rel`: its path relative
    to the config root, for per-file ignores). `cut`: the content stops where the file went
    on. `kind`: what the content is when its name does not say (an image's config, the
    environment); by default `classify.classify` decides from the name and first bytes.
    `place`: where the content ends up when the source knows it (what a browser fetched
    from a site runs in a browser, whatever its name); by default `exposure.place_of`
    decides. Never raises."""
    kind = kind or classify(display, data[:256])
    result = FileResult(display, kind, size=len(data))
    if looks_binary(data) or is_binary_format(display):
        result.kind = FileKind.BINARY
        result.skipped = "binary"
        if may_hold_key(data):
            found = binary_findings(
                data,
                display,
                config,
                _matcher(config.key_pattern).pattern,
                show_secrets=options.show_secrets,
                key_collector=options.key_collector,
            )
            finish(result, [(finding, False) for finding in found], rel, config)
        return result
    decoded = None
    if _is_utf16(data):
        # The byte prefilter only understands ASCII-compatible encodings.
        decoded = decode(data)
        data = decoded.text.encode("utf-8", "surrogatepass")
    prefilter = prefilter_for(config, options)
    if not prefilter(data):
        return result
    present = prefilter.present(data)
    rules = rules_to_run(data, kind, present, config)
    # A suppression comment is reported when it suppresses nothing: such files are checked.
    if not rules and _SUPPRESSION_BYTES not in present:
        return result
    if decoded is None:
        decoded = decode(data)
    result.notes.extend(decoded.notes)
    if place is None:
        place = place_of(display, kind, decoded.text, config)
    checked = check_text(
        decoded.text,
        display,
        kind,
        place,
        config,
        options,
        present=present,
        rules=rules,
        cut_after=cut,
    )
    result.notes.extend(checked.notes)
    used = finish(result, checked.findings, rel, config)
    # (The prefilter looks for the comment's marker when inline comments count.)
    if options.inline_ignore and _SUPPRESSION_BYTES in present:
        result.unused_suppressions = _unused(decoded.text, used, config, kind, display)
    return result


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _is_utf16(data: bytes) -> bool:
    """UTF-16 with a byte order mark, or recognised without one (see `textio.decode`)."""
    if data.startswith(_UTF16_BOMS):
        return True
    return data.find(b"\0", 0, BINARY_SNIFF) != -1 and utf16_without_bom(data) is not None


def prefilter_for(config: Config, options: ScanOptions) -> Prefilter:
    """The marker prefilter of the active rules, plus the suppression comment's marker when
    inline comments count (one per process, rule set and engine)."""
    return engine_for(config, options).prefilter


def rules_to_run(
    data: bytes, kind: FileKind, present: frozenset[bytes], config: Config
) -> tuple[type[Rule], ...]:
    """The active rules that may fire on `data`, whose prefilter markers are `present`:
    those with a marker present, less the rules that only report keys (`Rule.NEEDS_KEY`)
    when no key can be there. That is checked on the bytes read as Latin-1, much cheaper
    than decoding UTF-8, which finds a key exactly where the UTF-8 text has one (the default
    key pattern, escapes, base64 and the joiners' heads are ASCII; any other byte is a
    non-key character either way); with a custom key pattern key rules always stay.
    """
    rules = tuple(rule for rule in active_rules(config) if not present.isdisjoint(rule.MARKERS))
    if any(rule.NEEDS_KEY for rule in rules) and not _may_hold_key(
        data, kind, present & _KEY_MARKERS, config
    ):
        rules = tuple(rule for rule in rules if not rule.NEEDS_KEY)
    return rules


def nothing_to_find(data: bytes, kind: FileKind, present: frozenset[bytes], config: Config) -> bool:
    """True when no active rule can fire on `data` (see `rules_to_run`)."""
    return not rules_to_run(data, kind, present, config)


_KEY_MARKERS = frozenset(PREFILTER_MARKERS)


def _may_hold_key(data: bytes, kind: FileKind, present: frozenset[bytes], config: Config) -> bool:
    if config.key_pattern != DEFAULT_KEY_PATTERN:
        return True
    if present <= _JOIN_MARKERS:
        # Only literals closing on "ak" that may start a joined key (the prefilter dropped
        # those glued to an identifier, `"break"`): one bytes pass, without decoding, says
        # whether one does in this kind of file.
        heads = _MAP_JOIN_HEAD_BYTES if kind is FileKind.SOURCE_MAP else _JOIN_HEAD_BYTES
        if heads.search(data) is None:
            return False
    text = data.decode("latin-1")
    if kind is FileKind.SOURCE_MAP and _map_may_hide_key(text, present):
        return True
    matcher = _matcher(config.key_pattern)
    if next(matcher.find(text, present), None) is not None:
        return True
    if kind is FileKind.PYTHON:
        return matcher.has_open_key_start(text)
    from .scanners.script import may_join

    return may_join(text)


# A source map's scanner reads the JSON strings of `sourcesContent` decoded. On its raw
# text the key matcher finds at least what it finds there (\uXXXX and a backslash before a
# character are escapes it knows; an escaped quote or backslash before a key leaves it
# standing apart), with two exceptions, checked here so that such maps are read in full:
# - a prefix character written as a JSON \u escape, and a base64 run holding "\/";
# - a literal that closes on "ak" or "ak_..." (a joined key), its quote written `\"` or
#   \u00XX and "ak" maybe following a JSON escape such as `\n`.
_MAP_UNICODE_PREFIX = frozenset(m for m in PREFILTER_MARKERS if m.startswith(b"\\u"))
_MAP_BASE64 = frozenset((b"YWtf", b"FrX", b"ha18", b"ha19"))
_MAP_JOIN_HEAD = lazy_compile(
    r"ak(?:(?<![A-Za-z0-9_$-]ak)|(?<=\\[nrtbf]ak)|(?<=\\u[0-9a-fA-F]{4}ak))"
    r"(?:_(?:[A-Za-z0-9_-]|\\u00[0-7][0-9a-fA-F])*)?"
    r"""(?:['"`$]|\\["u])"""
)


# The markers of literals closing on "ak" (see `keys.PREFILTER_MARKERS`), and where such a
# literal may start a joined key (`scanners.script._HEAD`, then its quote or hole): in a
# script, and in a source map's raw JSON text.
_JOIN_MARKERS = frozenset(m for m in PREFILTER_MARKERS if m.startswith(b"ak") and m != b"ak_")
_JOIN_HEAD_BYTES = lazy_compile(rb"""ak(?<![A-Za-z0-9_$-]ak)(?:['"`]|\$\{)""")
_MAP_JOIN_HEAD_BYTES = lazy_compile(_MAP_JOIN_HEAD.pattern.encode("ascii"))


def _map_may_hide_key(text: str, present: frozenset[bytes]) -> bool:
    if not present.isdisjoint(_MAP_UNICODE_PREFIX):
        return True
    if not present.isdisjoint(_MAP_BASE64) and "\\/" in text:
        return True
    return "ak" in text and _MAP_JOIN_HEAD.search(text) is not None


@dataclass
class Checked:
    """What the rules found in one text: findings, each with whether an inline comment on
    its line suppresses it, and the scanners' notes."""

    findings: list[tuple[Finding, bool]]
    notes: list[str]


def check_text(
    text: str,
    display: str,
    kind: FileKind,
    place: Place,
    config: Config,
    options: ScanOptions,
    *,
    whole_file: bool = True,
    present: Optional[frozenset[bytes]] = None,
    rules: Optional[tuple[type[Rule], ...]] = None,
    cut_before: bool = False,
    cut_after: bool = False,
) -> Checked:
    """Run the active rules over `text`, a whole file or (not `whole_file`) a window of it.

    `present`: the prefilter markers that occur in `text`, if known; the key matcher then
    skips the spellings that cannot be there. `rules`: the rules to run (see `rules_to_run`;
    default: the active rules with a marker present). `cut_before`, `cut_after`: the text
    goes on unseen before its start or after its end (see `FileContext`).
    """
    matcher = _matcher(config.key_pattern)
    # A rule runs only on text holding one of its markers (all of them when not known), so
    # a file that merely mentions Autype is not searched for keys, and the other way round.
    if rules is None:
        rules = active_rules(config)
        if present is not None:
            rules = tuple(rule for rule in rules if not present.isdisjoint(rule.MARKERS))
    ctx = FileContext(
        path=display,
        kind=kind,
        place=place,
        text=text,
        config=config,
        matcher=matcher if present is None else matcher.restricted_to(text, present),
        settings=options.settings,
        whole_file=whole_file,
        key_collector=options.key_collector,
        cut_before=cut_before,
        cut_after=cut_after,
        absent=frozenset()
        if present is None
        else prefilter_for(config, options).marker_set - present,
    )
    findings: list[tuple[Finding, bool]] = []
    # A line's ignore comment, read once per line: a minified line with thousands of keys
    # is not searched again for each (that was quadratic in the line's length).
    line_codes: dict[int, Optional[frozenset[str]]] = {}
    may_ignore = options.inline_ignore and (
        SUPPRESSION_MARKER in text if present is None else _SUPPRESSION_BYTES in present
    )
    for rule in rules:
        for finding in rule.check(ctx):
            ignored = False
            if may_ignore:
                if finding.line not in line_codes:
                    line_start, line_end = ctx.lines.line_bounds(
                        ctx.lines.offset_of(finding.line, finding.column) or 0
                    )
                    line_codes[finding.line] = inline_ignore_codes(
                        text[line_start:line_end], kind, display
                    )
                codes = line_codes[finding.line]
                ignored = codes is not None and (not codes or finding.code in codes)
            findings.append((finding, ignored))
    return Checked(findings, ctx.notes)


def finish(
    result: FileResult, findings: list[tuple[Finding, bool]], relpath: str, config: Config
) -> dict[int, frozenset[str]]:
    """Keep one finding per key occurrence (see `rules.one_per_key`), then drop (and
    count) the suppressed ones into `result`: each finding on its own, so a suppression
    never removes a finding about another key.

    Returns the codes each line's inline comment suppressed (line -> codes).
    """
    ignored = {id(f): flag for f, flag in findings}
    used: dict[int, frozenset[str]] = {}
    for finding in one_per_key(f for f, _ in findings):
        inline = ignored[id(finding)]
        if inline:
            used[finding.line] = used.get(finding.line, frozenset()) | {finding.code}
        if inline or is_config_ignored(finding, relpath, config):
            result.suppressed += 1
        else:
            result.findings.append(finding)
    return used


_SUPPRESSION_BYTES = SUPPRESSION_MARKER.encode("ascii")


def _unused(
    text: str, used: dict[int, frozenset[str]], config: Config, kind: FileKind, path: str
) -> list[UnusedSuppression]:
    known = frozenset(rule.CODE for rule in RULES)
    return unused_suppressions(text, used, config.is_enabled, known, kind, path)
