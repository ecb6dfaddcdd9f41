"""Which environment variable each moved key is stored under.

The name a key site prefers comes from `suggest.name_choice`, which the findings' advice
uses too: one name everywhere. Rules, in order (`NameBook.assign`):

1. A site that already reads a variable (`os.environ.get("NAME", "ak_...")`) is bound to
   NAME: it is used when NAME is free or already holds this key, otherwise the site is not
   fixed (renaming a variable the code reads could break a deployment that sets it).
2. A key that already got a name in this run keeps it: one key, one name.
3. An env-var-like name from the context (`AUTYPE_API_KEY = "ak_..."`, `STAGING_KEY: ak_...`)
   is kept when free.
4. Otherwise a name the env file already uses for this exact key, else the default
   (`env-var`, `AUTYPE_API_KEY`) with the environment the path names (`staging`, `prod`,
   `test`, ...) as a suffix: `AUTYPE_API_KEY_STAGING`.
5. In a monorepo (`apps/billing/...`, see `suggest.APP_CONTAINERS`) the app prefixes the
   name: `BILLING_AUTYPE_API_KEY`.
6. A name holding a different key (in the env file or earlier in this run) is never reused:
   the environment suffix is tried, then `_2`, `_3`, ... Two keys never share a name, and
   the note says why the name differs from the preferred one.

Names that browser build tools would inline (`NEXT_PUBLIC_*`, `VITE_*`, ... from
`public-env-prefixes`) are never chosen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Optional

from ..suggest import environment_hint, is_env_like, is_valid_name, name_choice

__all__ = [
    "Assignment",
    "NameBook",
    "NameRequest",
    "environment_hint",
    "is_env_like",
    "is_valid_name",
]


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
        env_name: str = "the env file",
    ) -> None:
        self.env_name = env_name
        self.notes: dict[str, str] = {}  # name -> why it was chosen
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
            return self._named(name, key, f"the code reads {name}")
        if key in self.by_key:
            name = self.by_key[key]
            return Assignment(name, self.notes.get(name, ""))
        choice = name_choice(request.path, request.hint, self.default, self.public_prefixes)
        kept_hint = request.hint if request.hint and is_env_like(request.hint) else None
        if kept_hint is None or kept_hint.startswith(self.public_prefixes):
            for name, value in self.existing.items():
                if value == key and not self._is_public(name):
                    return Assignment(
                        self._take(name, key), f"{self.env_name} already holds this key as {name}"
                    )
        candidates = choice.candidates
        first = candidates[0]
        for name in candidates:
            if self._free_for(name, key):
                return self._named(name, key, self._note(first, name, choice.why))
        counter = 2
        while True:
            name = f"{candidates[-1]}_{counter}"
            if self._free_for(name, key):
                return self._named(name, key, self._note(first, name, choice.why))
            counter += 1

    def _named(self, name: str, key: str, note: str) -> Assignment:
        self._take(name, key)
        if note:
            self.notes.setdefault(name, note)
        return Assignment(name, note)

    def _note(self, wanted: str, got: str, why: str) -> str:
        reason = f"from {why}" if why else ""
        if wanted == got:
            return reason
        where = self.env_name if wanted in self.existing else "another key in this run"
        clash = f"{wanted} already holds a different key ({where}); used {got} instead"
        return f"{reason}; {clash}" if reason else clash
