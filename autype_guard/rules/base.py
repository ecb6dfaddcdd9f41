"""The rule base classes: metadata, docs, examples and the shared key-literal check."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from typing import ClassVar

from ..applicability import applicability_of, edit_kind_for
from ..context import FileContext
from ..keys import DEFAULT_ENV_VAR, PREFILTER_MARKERS, placeholder_reason
from ..model import Finding, Fix, Place, Severity
from ..prefilter import Confirmations
from ..suggest import key_suggestion, suggested_name
from ..testing import Invalid, Valid

_ENCODING_NOTES = {
    "base64": " (base64-encoded)",
    "url": " (URL-encoded)",
    "escape": " (written with escape sequences)",
    "joined": " (split across string literals)",
    "assembled": " (assembled by an expression)",
}


class Rule:
    """A problem with one code and one name; subclasses implement `check`."""

    CODE: ClassVar[str]
    NAME: ClassVar[str]
    SEVERITY: ClassVar[Severity]
    # Bytes of which at least one must occur in a file for this rule to find anything in it.
    MARKERS: ClassVar[tuple[bytes, ...]] = PREFILTER_MARKERS
    # Checks of the bytes around a marker occurrence, for markers that count only where the
    # check holds (see `prefilter.Prefilter`; the key markers' are `keys.marker_confirmations`).
    CONFIRM: ClassVar[Confirmations] = {}
    # True for a rule that only ever reports a key the matcher finds (`ctx.key_occurrences`):
    # a file whose markers are all such rules' and that holds no key needs no decoding.
    NEEDS_KEY: ClassVar[bool] = False
    VALID: ClassVar[Sequence[Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()

    @classmethod
    def docs(cls) -> str:
        """The rule's user documentation (its docstring, dedented)."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def section(cls, title: str) -> str:
        """The text of one "## title" section of the docs, without its heading; "" if absent."""
        out: list[str] = []
        inside = False
        for line in cls.docs().splitlines():
            if line.startswith("## "):
                inside = line[3:].strip() == title
                continue
            if inside:
                out.append(line)
        return "\n".join(out).strip()

    @classmethod
    def summary(cls) -> str:
        """The first sentence of the "What it does" section, on one line."""
        text = " ".join(cls.section("What it does").split())
        if not text:
            return cls.NAME
        end = text.find(". ")
        return text if end == -1 else text[: end + 1]

    @classmethod
    def check(cls, ctx: FileContext) -> Iterator[Finding]:
        raise NotImplementedError


class KeyLiteralRule(Rule):
    """Shared check of the AG1xx rules: a key literal in a file of the rule's place."""

    PLACE: ClassVar[Place]
    NEEDS_KEY = True
    MESSAGE: ClassVar[str]  # formatted with {preview} and {context}
    FIX_TITLE: ClassVar[str] = "Read the key from the environment"
    CONTEXT_SEPARATOR: ClassVar[str] = " "  # between the message and the context phrase

    @classmethod
    def check(cls, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.may_hold(cls.PLACE):
            return
        # Whether `autype-guard fix` can edit this file and how (see applicability.py): each
        # finding then carries its key's edit site; the edits themselves are computed by the
        # fixer, which also chooses the variable name.
        edit = edit_kind_for(ctx.path, ctx.kind, ctx.place)
        applicability = applicability_of(edit)
        for occ in ctx.key_occurrences:
            if ctx.place_at(occ.hit.start) is not cls.PLACE:
                continue
            reason = placeholder_reason(occ.hit.key)
            if reason is not None and not ctx.settings.show_placeholders:
                continue
            # The name `fix` moves this key to (when the env file has no other key there).
            name = suggested_name(
                ctx.path,
                ctx.name_hint(occ),
                ctx.config.env_var or DEFAULT_ENV_VAR,
                ctx.config.public_env_prefixes,
                context=occ.context,
            )
            context = f"{cls.CONTEXT_SEPARATOR}{occ.context}" if occ.context else ""
            message = cls.message_at(ctx, occ.hit.start).format(
                preview=ctx.shown_key(occ.hit.key, occ.hit.end), context=context
            )
            message += _ENCODING_NOTES.get(occ.hit.encoding, "")
            if reason is not None:
                message = f"Placeholder, not a secret ({reason}): {message}"
            suggestion = cls.suggestion_at(ctx, name, occ.hit.start)
            yield ctx.finding(
                cls,
                occ.hit.start,
                occ.hit.end,
                message,
                key=occ.hit.key,
                suggestion=suggestion,
                fix=Fix(
                    cls.FIX_TITLE,
                    applicability,
                    replacement=None,
                    site=None if edit is None else ctx.edit_site(occ, edit),
                ),
                encoding=occ.hit.encoding,
                placeholder=reason is not None,
                related=occ.related,
            )

    @classmethod
    def message_at(cls, ctx: FileContext, start: int) -> str:
        """The message template for a key at `start` (`MESSAGE` unless a rule tells places
        within a file apart)."""
        return cls.MESSAGE

    @classmethod
    def suggestion_at(cls, ctx: FileContext, name: str, start: int) -> str:
        return cls.suggestion(ctx, name)

    @classmethod
    def suggestion(cls, ctx: FileContext, name: str) -> str:
        return key_suggestion(ctx.path, ctx.kind, name)
