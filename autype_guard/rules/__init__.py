"""The rule table. Codes are part of the interface: never reused or renumbered.

AG1xx: key literals by place (AG101 source, AG102 browser-shipped, AG103 config, AG104 docs).
AG2xx: exposure without a literal. AG3xx: misuse.
"""

from __future__ import annotations

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


def precedence(code: str, env_file: bool) -> int:
    """Lower wins when several rules flag one line (one finding per line).

    An env-file line defining a browser-exposed key is AG201; otherwise a key literal's
    AG1xx rule, then AG203, AG201, AG202 and AG301.
    """
    if code == "AG201" and env_file:
        return 0
    if code.startswith("AG1"):
        return 1
    order = ("AG203", "AG201", "AG202", "AG301")
    return 2 + order.index(code) if code in order else 10


__all__ = ["RULES", "KeyLiteralRule", "Rule", "precedence", "rule_by_code"]
