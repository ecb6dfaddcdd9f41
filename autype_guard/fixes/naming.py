"""Which environment variable each moved key is stored under.

Rules, in order (`NameBook.assign`):

1. A site that already reads a variable (`os.environ.get("NAME", "ak_...")`) is bound to
   NAME: it is used when NAME is free or already holds this key, otherwise the site is not
   fixed (renaming a variable the code reads could break a deployment that sets it).
2. A key that already got a name in this run keeps it: one key, one name.
3. An env-var-like name from the context (`AUTYPE_API_KEY = "ak_..."`, `STAGING_KEY: ak_...`)
   is kept when free.
4. Otherwise a name the env file already uses for this exact key, else the default
   (`env-var`, `AUTYPE_API_KEY`) with the environment the path names (`staging`, `prod`,
   `test`, ...) as a suffix: `AUTYPE_API_KEY_STAGING`.
5. A name holding a different key (in the env file or earlier in this run) is never reused:
   the environment suffix is tried, then `_2`, `_3`, ... Two keys never share a name.

Names that browser build tools would inline (`NEXT_PUBLIC_*`, `VITE_*`, ... from
`public-env-prefixes`) are never chosen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Optional

# An environment-variable-like name worth keeping: upper case words joined by "_"
# (`API_KEY`, `AUTYPE_API_KEY`), not a single word such as `KEY` or `DEFAULT`.
_ENV_LIKE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
# Any name an env file and a shell accept.
_VALID_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Path or name tokens are split on separators and case changes are ignored.
_TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9]+")

# Environment hints: token -> suffix. Checked on the context name first, then the path.
_ENV_HINTS: dict[str, str] = {
    "staging": "STAGING",
    "stage": "STAGING",
    "stg": "STAGING",
    "prod": "PROD",
    "production": "PROD",
    "prd": "PROD",
    "live": "PROD",
    "dev": "DEV",
    "development": "DEV",
    "develop": "DEV",
    "test": "TEST",
    "tests": "TEST",
    "testing": "TEST",
    "qa": "QA",
    "sandbox": "SANDBOX",
    "local": "LOCAL",
}


def is_valid_name(name: str) -> bool:
    """True for a name an env file and a shell accept."""
    return _VALID_NAME.fullmatch(name) is not None


def is_env_like(name: str) -> bool:
    """True for a context name worth keeping as the variable name."""
    return _ENV_LIKE.fullmatch(name) is not None


def environment_hint(*texts: str) -> Optional[str]:
    """The environment suffix (`STAGING`, `PROD`, ...) the first text that names one names.

    Within one text (a path) the last matching token wins: `tests/staging/app.py` is STAGING.
    """
    for text in texts:
        found = None
        for token in _TOKEN_SPLIT.split(text.replace("_", "-")):
            hint = _ENV_HINTS.get(token.lower())
            if hint is not None:
                found = hint
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class NameRequest:
    """One key site asking for a name."""

    key: str
    hint: Optional[str] = None  # a name from the context (`API_KEY = ...`), if any
    bound: bool = False  # the code already reads `hint`: that name or nothing
    path: str = ""  # for the environment hint


@dataclass(frozen=True)
class Assignment:
    """The outcome of a request: a name, or None with the reason."""

    name: Optional[str]
    note: str = ""


class NameBook:
    """Names taken so far: those in the env file and those assigned in this run."""

    def __init__(
        self,
        existing: Mapping[str, str],
        default: str,
        public_prefixes: Sequence[str] = (),
    ) -> None:
        self.taken: dict[str, str] = dict(existing)  # name -> key
        self.existing = dict(existing)
        self.default = default
        self.public_prefixes = tuple(public_prefixes)
        self.by_key: dict[str, str] = {}  # key -> the name it got in this run
        self.new: dict[str, str] = {}  # name -> key, to be added to the env file

    def _is_public(self, name: str) -> bool:
        return name.startswith(self.public_prefixes)

    def _free_for(self, name: str, key: str) -> bool:
        return self.taken.get(name, key) == key and not self._is_public(name)

    def _take(self, name: str, key: str) -> str:
        if self.taken.get(name) != key:
            self.taken[name] = key
        if self.existing.get(name) != key:
            self.new[name] = key
        self.by_key.setdefault(key, name)
        return name

    def assign(self, request: NameRequest) -> Assignment:
        """Pick the name for one site (see the module docstring). Deterministic."""
        key = request.key
        if request.bound:
            name = request.hint or ""
            if not is_valid_name(name):
                return Assignment(None, f"the code reads {name!r}, which is not a valid name")
            if self._is_public(name):
                return Assignment(
                    None,
                    f"the code reads {name}, a name browser builds inline: writing the key"
                    " under it would ship it to browsers",
                )
            if not self._free_for(name, key):
                return Assignment(
                    None,
                    f"the code reads {name}, but the env file already holds a different key"
                    f" under {name}; it is not overwritten",
                )
            return Assignment(self._take(name, key))
        if key in self.by_key:
            return Assignment(self.by_key[key])
        hint = request.hint if request.hint and is_env_like(request.hint) else None
        if hint is not None and self._is_public(hint):
            hint = None
        if hint is None:
            for name, value in self.existing.items():
                if value == key and not self._is_public(name):
                    return Assignment(self._take(name, key))
        env = environment_hint(hint or "", request.path)
        base = hint or self.default
        if env is not None and env in base.split("_"):
            env = None  # the name already says it: STAGING_KEY
        if hint is None and env is not None:
            candidates = [f"{base}_{env}"]
        else:
            candidates = [base] if env is None else [base, f"{base}_{env}"]
        first = candidates[0]
        for name in candidates:
            if self._free_for(name, key):
                return Assignment(self._take(name, key), self._note(first, name))
        counter = 2
        while True:
            name = f"{candidates[-1]}_{counter}"
            if self._free_for(name, key):
                return Assignment(self._take(name, key), self._note(first, name))
            counter += 1

    def _note(self, wanted: str, got: str) -> str:
        if wanted == got:
            return ""
        where = "the env file" if wanted in self.existing else "another key in this run"
        return f"{wanted} already holds a different key ({where}); used {got} instead"
