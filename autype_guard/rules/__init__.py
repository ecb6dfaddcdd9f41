"""The rule table. Codes are part of the interface: never reused or renumbered.

AG1xx: key literals by place (AG101 source, AG102 browser-shipped, AG103 config, AG104 docs),
and AG105 for an `ak_` key that belongs to another service.
AG2xx: exposure without a literal. AG3xx: misuse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import FileKind, Finding, RuleInfo, Span
from .ak_key_other_service import AkKeyOtherService
from .base import KeyLiteralRule, Rule
from .bearer_auth import BearerAuth
from .browser_calls_autype import BrowserCallsAutype
from .hardcoded_key import HardcodedKey
from .key_in_browser_code import KeyInBrowserCode
from .key_in_config import KeyInConfig
from .key_in_docs import KeyInDocs
from .key_rendered_into_template import KeyRenderedIntoTemplate
from .public_env_var import PublicEnvVar

RULES: tuple[type[Rule], ...] = (
    HardcodedKey,
    KeyInBrowserCode,
    KeyInConfig,
    KeyInDocs,
    AkKeyOtherService,
    PublicEnvVar,
    KeyRenderedIntoTemplate,
    BrowserCallsAutype,
    BearerAuth,
)


def rule_by_code(code: str) -> type[Rule] | None:
    """The rule class with `code`, or None."""
    for rule in RULES:
        if code.upper() == rule.CODE:
            return rule
    return None


def rule_title(rule: type[Rule]) -> str:
    """A short title for a rule, from its docs: "Flags Autype API keys in documentation:
    Markdown, ..." becomes "Autype API keys in documentation"."""
    text = rule.summary().rstrip(".")
    text = re.sub(r"\s*\([^)]*\)", "", text.split(": ", 1)[0]).strip()
    if text.startswith("Flags "):
        text = text[len("Flags ") :]
    return (text[:1].upper() + text[1:]) if text else rule.NAME


def rule_codes() -> frozenset[str]:
    """Every rule code, for config validation (config knows no rules)."""
    return frozenset(rule.CODE for rule in RULES)


def catalogue() -> tuple[RuleInfo, ...]:
    """Every rule as reporters see it (they never import the rules themselves)."""
    return tuple(
        RuleInfo(
            code=rule.CODE,
            name=rule.NAME,
            severity=rule.SEVERITY,
            title=rule_title(rule),
            docs=rule.docs(),
            description="\n\n".join(
                part
                for part in (rule.section("What it does"), rule.section("Why is this bad?"))
                if part
            ),
        )
        for rule in RULES
    )


def precedence(code: str, config_file: bool) -> int:
    """Lower wins when several rules flag one key occurrence.

    An `ak_` key that belongs to another service is AG105 for that key, wherever it is (it
    is not Autype's, so no Autype rule applies to it); a line defining a browser-exposed
    variable (an env file, a Dockerfile, a CI pipeline) is AG201 for the key it holds;
    otherwise the key literal's AG1xx rule.
    """
    if code == "AG105":
        return -1
    if code == "AG201" and config_file:
        return 0
    if code.startswith("AG1"):
        return 1
    return 2


def one_per_key(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per key occurrence, the most specific rule winning (see `precedence`),
    and keyless findings once per rule and place; in line order.

    Nothing is dropped for another key: two keys on one line are two findings, and a key's
    finding stands next to the keyless findings of its line (`Bearer <key>` is AG1xx for
    the key and AG301 for the scheme)."""
    best: dict[tuple[str, Span], Finding] = {}
    for finding in findings:
        slot = ("" if finding.has_key else finding.code, finding.span)
        old = best.get(slot)
        config_file = finding.kind in (FileKind.ENV, FileKind.CONFIG)
        if (
            old is None
            or precedence(finding.code, config_file) < precedence(old.code, config_file)
            or (old.placeholder and not finding.placeholder)
        ):
            best[slot] = finding
    return sorted(best.values(), key=lambda f: (f.span.start, f.span.end, f.code))


__all__ = [
    "RULES",
    "KeyLiteralRule",
    "Rule",
    "catalogue",
    "one_per_key",
    "precedence",
    "rule_by_code",
    "rule_codes",
    "rule_title",
]
