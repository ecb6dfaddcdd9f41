"""Find, read and validate configuration into a frozen `Config`.

Configuration lives in `.autype-guard.toml` (top-level keys) or in the `[tool.autype-guard]`
table of `pyproject.toml`; each file is scanned with the nearest one from its directory
upward (`ConfigResolver`; a monorepo's sub-projects keep their own), and `.autype-guard.toml`
wins over `pyproject.toml` in the same directory. `--config FILE` applies one config to every
file. Globs in a config file match paths relative to that file's directory; `--exclude`
globs from the command line match paths relative to the current directory (`Overrides`).
Unknown keys and bad values are errors: a typo in a security tool's config must not silently
widen what passes.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

from .filenames import DEFAULT_EXCLUDE
from .keys import (
    DEFAULT_ENV_VAR,
    DEFAULT_KEY_PATTERN,
    PREFIX,
    KeyPatternError,
    compile_key_pattern,
)
from .model import Severity
from .paths import read_regular_file


def toml_parser() -> Any:
    """The TOML parser, imported only when a config file is read (start-up time)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    return tomllib


CONFIG_FILE = ".autype-guard.toml"
PYPROJECT = "pyproject.toml"
# A config file is a few lines; anything this big is a mistake (or a device).
MAX_CONFIG_BYTES = 4 * 1024 * 1024

# Build output and public web roots whose files reach browsers (see `exposure.py`).
DEFAULT_BROWSER_PATHS: tuple[str, ...] = (
    "**/dist/**",
    "**/build/**",
    "**/out/**",
    "**/.next/static/**",
    "**/public/**",
    "**/static/**",
    "**/assets/**",
    "**/wwwroot/**",
    # Web server roots of container images (nginx, Apache httpd, Caddy, distributions).
    "**/usr/share/nginx/html/**",
    "**/usr/local/apache2/htdocs/**",
    "**/usr/share/caddy/**",
    "**/var/www/**",
    "**/srv/www/**",
)
# Environment-variable prefixes that frameworks inline into browser bundles.
DEFAULT_PUBLIC_ENV_PREFIXES: tuple[str, ...] = (
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "NUXT_PUBLIC_",
    "EXPO_PUBLIC_",
    "GATSBY_",
    "PUBLIC_",
    "VUE_APP_",
    "NG_APP_",
    "STORYBOOK_",
)

_RULE_CODE = re.compile(r"AG[1-9][0-9]{2}")
_ENV_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ConfigError(Exception):
    """A configuration problem, with a one-line message naming the key at fault."""


@dataclass(frozen=True)
class Overrides:
    """What the command line changes in every config that applies during a run (each nested
    config gets the same): `select` replaces the config's, `ignore` adds to its `disable`,
    `exclude` globs match paths relative to the current directory (not to a config file),
    `env_var` replaces the config's."""

    select: Optional[frozenset[str]] = None
    ignore: frozenset[str] = frozenset()
    exclude: tuple[str, ...] = ()
    env_var: Optional[str] = None

    def apply(self, config: Config) -> Config:
        changes: dict[str, Any] = {"overrides": self}
        if self.select is not None:
            changes["select"] = self.select
        if self.ignore:
            changes["disable"] = config.disable | self.ignore
        if self.env_var is not None:
            changes["env_var"] = self.env_var
        return replace(config, **changes)


@dataclass(frozen=True)
class Config:
    """Validated settings; CLI options are merged in with `Overrides.apply`.

    `nested`: files below `root` may have a nearer config of their own (set by `load_config`
    when it discovered the config, not for `--config FILE` or a config built by hand)."""

    root: Path = field(default_factory=Path.cwd)
    source: Optional[Path] = None
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    allowlist: frozenset[str] = frozenset()
    key_pattern: str = DEFAULT_KEY_PATTERN
    env_var: str = DEFAULT_ENV_VAR
    disable: frozenset[str] = frozenset()
    select: Optional[frozenset[str]] = None
    severity: tuple[tuple[str, Severity], ...] = ()
    browser_paths: tuple[str, ...] = DEFAULT_BROWSER_PATHS
    public_env_prefixes: tuple[str, ...] = DEFAULT_PUBLIC_ENV_PREFIXES
    overrides: Overrides = field(default_factory=Overrides)
    nested: bool = False

    @property
    def excludes(self) -> tuple[str, ...]:
        return self.exclude + self.extend_exclude

    def is_enabled(self, code: str) -> bool:
        if code in self.disable:
            return False
        return self.select is None or code in self.select

    def severity_for(self, code: str, default: Severity) -> Severity:
        for rule, level in self.severity:
            if rule == code:
                return level
        return default


def find_config_file(start: Path) -> Optional[Path]:
    """The nearest config file from `start` upward, or None."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for candidate in (directory, *directory.parents):
        found = config_file_in(candidate)
        if found is not None:
            return found
    return None


def config_file_in(directory: Path) -> Optional[Path]:
    """The config file of `directory` itself, or None."""
    own = directory / CONFIG_FILE
    if own.is_file():
        return own
    pyproject = directory / PYPROJECT
    if pyproject.is_file() and _has_tool_table(pyproject):
        return pyproject
    return None


# The names a directory's config file can have (a walk looks for them among its entries).
CONFIG_NAMES = frozenset((CONFIG_FILE, PYPROJECT))


def _has_tool_table(pyproject: Path) -> bool:
    try:
        text = read_regular_file(pyproject, MAX_CONFIG_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "autype-guard" not in text:  # most projects: no need to parse
        return False
    tomllib = toml_parser()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "autype-guard" in tool


def load_config(
    start: Path, explicit: Optional[Path] = None, *, codes: Collection[str] = ()
) -> Config:
    """Read the config that applies to `start` (or `explicit`); raise ConfigError if invalid.
    `codes`: the rule codes that exist (see `check_rule_codes`)."""
    path = explicit if explicit is not None else find_config_file(start)
    if path is None:
        root = start.resolve()
        return Config(root=root if root.is_dir() else root.parent, nested=True)
    config = read_config(path, codes=codes)
    return config if explicit is not None else replace(config, nested=True)


def read_config(path: Path, *, codes: Collection[str] = ()) -> Config:
    """Read and validate one config file; raise ConfigError if invalid."""
    tomllib = toml_parser()
    try:
        raw = read_regular_file(path, MAX_CONFIG_BYTES)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: config is larger than {MAX_CONFIG_BYTES} bytes")
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config is not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == PYPROJECT:
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}: 'tool' must be a table")
        table = tool.get("autype-guard", {})
    else:
        table = data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.autype-guard] must be a table")
    return parse_config(table, root=path.resolve().parent, source=path, codes=codes)


def _str_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return tuple(value)


def _codes(path: Path, key: str, value: Any, known: Collection[str]) -> frozenset[str]:
    codes = _str_list(path, key, value)
    return frozenset(check_rule_codes(codes, f"{path}: '{key}'", known))


def check_rule_codes(
    codes: tuple[str, ...] | list[str], where: str, known: Collection[str] = ()
) -> list[str]:
    """Validate rule codes (or code prefixes such as AG1, or ALL) against `known`, the codes
    that exist (the rule table, passed in: config knows no rules); raise ConfigError naming
    `where`. Without `known`, only whole codes of the AGnnn shape are accepted."""
    if not known:
        out = [code.strip().upper() for code in codes]
        for code in out:
            if not re.fullmatch(r"AG\d{3}", code):
                raise ConfigError(f"{where}: unknown rule code {code!r}")
        return out
    out = []
    for code in codes:
        code = code.strip().upper()
        if code == "ALL":
            out.extend(sorted(known))
            continue
        matches = (
            [k for k in known if k.startswith(code)] if re.fullmatch(r"AG\d{0,3}", code) else []
        )
        if not matches:
            raise ConfigError(f"{where}: unknown rule code {code!r}")
        out.extend(matches)
    return out


def validate_key_pattern(pattern: str, where: str) -> str:
    """Check a `key-pattern` when the config loads: it starts with the prefix, compiles for
    the engine that will run it in linear time (`keys.compile_key_pattern`) and matches a
    typical key. A repository's config is as untrusted as its code, so a pattern that could
    backtrack must never reach the scanner."""
    if not pattern.startswith(PREFIX):
        raise ConfigError(f"{where}: 'key-pattern' must start with the literal prefix {PREFIX!r}")
    try:
        compiled = compile_key_pattern(pattern)
    except KeyPatternError as exc:
        raise ConfigError(f"{where}: 'key-pattern' {exc}") from None
    if compiled.match(PREFIX + "A" * 64) is None and compiled.match(PREFIX + "a1" * 32) is None:
        raise ConfigError(f"{where}: 'key-pattern' does not match a typical key")
    return pattern


def parse_config(
    table: Mapping[str, Any],
    root: Path,
    source: Optional[Path] = None,
    *,
    codes: Collection[str] = (),
) -> Config:
    """Validate a config table into a Config; raise ConfigError on unknown keys or bad values.
    `codes`: the rule codes that exist (see `check_rule_codes`)."""
    known = codes
    where = source if source is not None else root
    config = Config(root=root, source=source)
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key in ("exclude", "extend-exclude", "browser-paths", "public-env-prefixes"):
            changes[key.replace("-", "_")] = _str_list(where, key, value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'per-file-ignores' must be a table of glob = [codes]")
            changes["per_file_ignores"] = tuple(
                (glob, tuple(sorted(_codes(where, f"per-file-ignores.{glob}", codes, known))))
                for glob, codes in value.items()
            )
        elif key == "allowlist":
            items = _str_list(where, key, value)
            for item in items:
                if not re.fullmatch(r"[0-9a-f]{64}", item):
                    raise ConfigError(
                        f"{where}: 'allowlist' entries must be SHA-256 fingerprints, got {item!r}"
                    )
            changes["allowlist"] = frozenset(items)
        elif key == "key-pattern":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: 'key-pattern' must be a string")
            changes["key_pattern"] = validate_key_pattern(value, str(where))
        elif key == "env-var":
            if not isinstance(value, str) or not _ENV_VAR_NAME.fullmatch(value):
                raise ConfigError(f"{where}: 'env-var' must be an environment variable name")
            changes["env_var"] = value
        elif key == "disable":
            changes["disable"] = _codes(where, key, value, known)
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'severity' must be a table of code = level")
            # A prefix (AG1) or ALL sets every rule it names; the most specific entry wins
            # for a rule (AG101 over AG1 over ALL), whatever the order in the table.
            levels: dict[str, tuple[int, Severity]] = {}
            for code, level in value.items():
                try:
                    severity = Severity(level)
                except (ValueError, TypeError):
                    names = ", ".join(s.value for s in Severity)
                    raise ConfigError(
                        f"{where}: 'severity.{code}' must be one of {names}, got {level!r}"
                    ) from None
                named = code.strip().upper()
                specificity = 0 if named == "ALL" else len(named)
                for checked in check_rule_codes([code], f"{where}: 'severity'", known):
                    if specificity >= levels.get(checked, (-1, severity))[0]:
                        levels[checked] = (specificity, severity)
            changes["severity"] = tuple(
                (checked, severity) for checked, (_, severity) in sorted(levels.items())
            )
        else:
            raise ConfigError(f"{where}: unknown config key {key!r}")
    return replace(config, **changes)


class ConfigResolver:
    """The config of each directory of a run: the nearest config file from the directory
    upward, with the run's command-line `Overrides` applied; `base` (the config the run was
    started with) where none is nearer. With a `base` that is not `nested` (`--config FILE`),
    `base` everywhere. Answers are cached per directory: a directory costs two `stat`s once.

    A nested config that fails to load is reported once through `errors` (config path ->
    message) and its directory gets the config above it: the run goes on, and fails."""

    def __init__(self, base: Config, codes: Collection[str] = ()) -> None:
        self.base = base
        self.codes = codes
        self.errors: dict[str, str] = {}
        self._by_dir: dict[str, Optional[Config]] = {}
        self._base_dir = (
            str(base.source.resolve().parent) if base.source is not None else str(base.root)
        )

    @property
    def active(self) -> bool:
        return self.base.nested

    def for_directory(self, directory: str) -> Config:
        """The config that applies to files in `directory` (an absolute, resolved path)."""
        return self.nearest(directory) or self.base

    def nearest(self, directory: str) -> Optional[Config]:
        """The nearest config file's config from `directory` (absolute, resolved) upward
        (`base` for its own file), or None when there is none; `base` when not `nested`."""
        if not self.base.nested:
            return self.base
        if directory in self._by_dir:
            return self._by_dir[directory]
        config: Optional[Config] = None
        if directory == self._base_dir and self.base.source is not None:
            config = self.base
        else:
            own = config_file_in(Path(directory))
            if own is not None:
                config = self._load(own)
            if config is None:
                parent = os.path.dirname(directory)
                config = None if parent == directory else self.nearest(parent)
        self._by_dir[directory] = config
        return config

    def _load(self, path: Path) -> Optional[Config]:
        if self.base.source is not None and path.resolve() == self.base.source.resolve():
            return self.base
        try:
            config = read_config(path, codes=self.codes)
        except ConfigError as exc:
            self.errors.setdefault(str(path), str(exc))
            return None
        return replace(self.base.overrides.apply(config), nested=True)
