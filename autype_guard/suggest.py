"""What to write instead of a key: the environment-variable lookup for each file kind.

Every suggestion ends by asking the user to rotate the exposed key, because a key that was
committed stays in git history after it is removed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import NamedTuple, Optional

from .keys import DOCS_PLACEHOLDER, ROTATE_HINT
from .lazy_regex import lazy_compile
from .model import FileKind

# --- the variable a key moves to: one name for the finding's advice and for `fix` --------

# An environment-variable-like name worth keeping: upper case words joined by "_"
# (`API_KEY`, `AUTYPE_API_KEY`), not a single word such as `KEY` or `DEFAULT`.
_ENV_LIKE = lazy_compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
# Any name an env file and a shell accept.
_VALID_NAME = lazy_compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Path or name tokens are split on separators and case changes are ignored.
_TOKEN_SPLIT = lazy_compile(r"[^A-Za-z0-9]+")
# What is not a letter or digit in an app's directory name (`billing-api` -> BILLING_API).
_NOT_NAME = lazy_compile(r"[^A-Za-z0-9]+")

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

# Directories whose children are a monorepo's apps: `apps/billing/...` is the app BILLING.
APP_CONTAINERS = frozenset(("apps", "packages", "services", "projects", "sites", "workspaces"))

# How a scanner says that the code reads a named variable with the key as its fallback
# (`os.environ.get("NAME", "ak_...")`): then the key belongs under that very name.
FALLBACK_CONTEXT = "as the fallback for environment variable "


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


def app_hint(path: str) -> Optional[str]:
    """The app a monorepo path belongs to, as a name part: the directory below the last of
    `APP_CONTAINERS` (`apps/billing-api/src/x.py` -> BILLING_API), or None."""
    parts = path.replace("\\", "/").split("/")[:-1]  # directories only
    for i in range(len(parts) - 2, -1, -1):
        if parts[i].lower() in APP_CONTAINERS:
            app = _NOT_NAME.sub("_", parts[i + 1]).strip("_").upper()
            if app and not app[0].isdigit():
                return app
            return None
    return None


class NameChoice(NamedTuple):
    """The names a key may move to, best first, and why the first one (empty: the default
    name, nothing to explain)."""

    candidates: tuple[str, ...]
    why: str
    bound: bool = False  # the code reads this name already: that name or none


def name_choice(
    path: str,
    hint: Optional[str],
    default: str,
    public_prefixes: Sequence[str] = (),
    *,
    bound: bool = False,
) -> NameChoice:
    """Which variable a key found in `path` moves to (before looking at what the env file
    holds). In order: a name the code already reads (`bound`) is kept; else an env-var-like
    name from the context (`AUTYPE_API_KEY = "ak_..."`) or the default, prefixed with the
    monorepo app (`apps/billing/...` -> `BILLING_AUTYPE_API_KEY`) and, for the default,
    suffixed with the environment the path or name names (`.env.staging` -> `_STAGING`; a
    context name gets it only when it is taken). Names browser builds inline are never
    chosen. Depends on nothing but its arguments: the same key site gets the same name in
    every run, however files are batched."""
    if bound and hint:
        return NameChoice((hint,), f"the code reads {hint}", bound=True)
    public = tuple(public_prefixes)
    kept = hint if hint and is_env_like(hint) and not hint.startswith(public) else None
    if kept == default:
        kept = None  # the default itself: it gets the environment suffix like any default
    base = kept or default
    reasons = []
    if kept is not None and kept != default:
        reasons.append(f"the name in the code ({kept})")
    app = app_hint(path)
    if app is not None and app not in _words(base):
        base = f"{app}_{base}"
        reasons.append(f"the app directory {app.lower()}")
    env = environment_hint(kept or "", path)
    if env is not None and env in _words(base):
        env = None  # the name already says it: STAGING_KEY
    if env is None:
        candidates: tuple[str, ...] = (base,)
    elif kept is None:
        candidates = (f"{base}_{env}",)
        reasons.append(f"the environment {env.lower()} in the path")
    else:
        candidates = (base, f"{base}_{env}")
    return NameChoice(candidates, " and ".join(reasons))


def _words(name: str) -> list[str]:
    return name.split("_")


def suggested_name(
    path: str,
    hint: Optional[str],
    default: str,
    public_prefixes: Sequence[str] = (),
    *,
    context: str = "",
) -> str:
    """The variable a finding's advice names: what `fix` picks when the env file has no
    other key under it (see `name_choice`)."""
    bound = context.startswith(FALLBACK_CONTEXT)
    choice = name_choice(path, hint, default, public_prefixes, bound=bound)
    return choice.candidates[0]


# Environment lookups per source language, keyed by file suffix.
_LOOKUP_BY_SUFFIX: dict[str, str] = {
    ".go": 'os.Getenv("{name}")',
    ".rb": 'ENV.fetch("{name}")',
    ".rake": 'ENV.fetch("{name}")',
    ".php": "getenv('{name}')",
    ".java": 'System.getenv("{name}")',
    ".kt": 'System.getenv("{name}")',
    ".kts": 'System.getenv("{name}")',
    ".scala": 'sys.env("{name}")',
    ".cs": 'Environment.GetEnvironmentVariable("{name}")',
    ".rs": 'std::env::var("{name}")',
    ".swift": 'ProcessInfo.processInfo.environment["{name}"]',
    ".sh": '"${name}"',
    ".bash": '"${name}"',
    ".zsh": '"${name}"',
    ".ps1": "$env:{name}",
    ".ex": 'System.fetch_env!("{name}")',
    ".exs": 'System.fetch_env!("{name}")',
    ".dart": "Platform.environment['{name}']",
    ".pl": "$ENV{{{name}}}",
    # Server-side parts of templates (Astro frontmatter, ERB/EJS/JSP scriptlets).
    ".erb": 'ENV.fetch("{name}")',
    ".astro": "import.meta.env.{name}",
    ".ejs": "process.env.{name}",
    ".jsp": 'System.getenv("{name}")',
}


def is_github_workflow(path: str) -> bool:
    """True for a GitHub Actions workflow file (`.github/workflows/*.yml`), where
    `${{ secrets.NAME }}` is available."""
    lower = path.lower()
    return "/.github/workflows/" in f"/{lower}" and lower.endswith((".yml", ".yaml"))


def is_compose_file(path: str) -> bool:
    """True for a docker-compose file (`docker-compose*.yml`, `compose.yaml`, ...)."""
    base = path.lower().rsplit("/", 1)[-1]
    return base.startswith(("docker-compose", "compose.")) and base.endswith((".yml", ".yaml"))


def env_lookup(path: str, kind: FileKind, name: str) -> str:
    """The code or config that reads `name` from the environment in a file like `path`."""
    lower = path.lower()
    base = lower.rsplit("/", 1)[-1]
    if kind is FileKind.PYTHON:
        return f'os.environ["{name}"]'
    if kind is FileKind.SCRIPT:
        return f"process.env.{name}"
    if is_github_workflow(path) or base == "action.yml":
        return f"${{{{ secrets.{name} }}}}"
    if base == ".gitlab-ci.yml":
        return f"a masked CI/CD variable {name}, used as ${name}"
    if is_compose_file(path):
        return f"${{{name}}}"
    if kind is FileKind.ENV:
        return f"the deployment's secret store for {name} (keep .env files out of git)"
    if (kind is FileKind.CONFIG and base in ("dockerfile", "containerfile")) or base.endswith(
        ".dockerfile"
    ):
        return f"a build secret or a runtime -e {name}, not ENV/ARG in the image"
    if kind is FileKind.CONFIG and ("k8s" in lower or "kube" in lower or "helm" in lower):
        return f"a Secret referenced with secretKeyRef, exposed as {name}"
    if kind is FileKind.CONFIG:
        return _config_lookup(lower, base, name)
    if kind in (FileKind.DOCS, FileKind.NOTEBOOK):
        return f"the placeholder {DOCS_PLACEHOLDER}"
    for suffix, template in _LOOKUP_BY_SUFFIX.items():
        if base.endswith(suffix):
            return template.format(name=name)
    return f"the environment variable {name}"


def _config_lookup(lower: str, base: str, name: str) -> str:
    """What a config file of its family uses instead of a literal (never a code rewrite)."""
    stem = base.split(".", 1)[0]
    if base.endswith(".netrc") or stem in ("netrc", "_netrc") or base.startswith(".netrc"):
        return f"a credential helper or a .netrc outside the repository (mode 600) for {name}"
    if base.endswith((".service", ".timer", ".socket", ".mount", ".path", ".target")) or (
        ".service.d/" in lower or "systemd/" in lower
    ):
        return f"EnvironmentFile= or LoadCredential= with a file outside the repository for {name}"
    if base == "crontab" or base.endswith((".cron", ".crontab")) or "cron.d/" in lower:
        return f"an environment file outside the repository, sourced by the job, for {name}"
    if base == "settings.xml":
        return f"${{env.{name}}}"
    if base.endswith(".config"):
        return f".NET user secrets or the environment variable {name} (configuration reads both)"
    if ".properties" in base:
        return f"${{{name}}}"
    return f"a reference to the environment variable {name}"


def key_suggestion(path: str, kind: FileKind, name: str) -> str:
    """The full advice for a key found in a file: what to use instead, then rotate."""
    return f"Use {env_lookup(path, kind, name)} instead, and {ROTATE_HINT}."


def other_service_suggestion(path: str, kind: FileKind, name: str, service: str) -> str:
    """The advice for an `ak_` key that belongs to another service: that service's own
    environment variable, and rotating the key with that service (not in Autype)."""
    instead = (
        "a placeholder"
        if kind in (FileKind.DOCS, FileKind.NOTEBOOK)
        else env_lookup(path, kind, name)
    )
    return (
        f"Use {instead} instead, and revoke the exposed key with "
        f"{service} (it was issued there, not by Autype)."
    )


# Signs of a framework in a browser-shipped file, most specific first, and the server-side
# place that framework offers for a call that needs a secret. Each pattern is searched in
# "path\ntext-head" and says what it matches.
_BACKENDS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Expo / React Native: Expo Router API routes run on the server.
    (
        re.compile(r"""["'](?:react-native|expo-router|expo-[a-z-]+)["']"""),
        "an Expo Router API route (app/api/autype+api.ts) or your own backend",
    ),
    # Next.js: the build output, `next/*` imports or a `"use client"` component under app/.
    (
        re.compile(
            r"""(?:^|/)\.next/|["']next/[a-z/]+["']|webpackChunk_N_E"""
            r"""|\A(?:[^\n]*/)?(?:app|pages)/[^\n]*\.[jt]sx\n"""
        ),
        "a Next.js route handler (app/api/autype/route.ts)",
    ),
    # SvelteKit: components, routes, `$lib` and `$app` imports, its build output.
    (
        re.compile(r"""\.svelte\n|\.svelte-kit/|["']\$(?:lib|app)/|["']@sveltejs/kit["']"""),
        "a SvelteKit endpoint (src/routes/api/autype/+server.ts)",
    ),
    # Nuxt: its auto-imports, `#app`/`#imports`, its build output.
    (
        re.compile(
            r"""(?:^|/)\.(?:nuxt|output)/|["']#(?:app|imports)["']"""
            r"""|\b(?:definePageMeta|useFetch|useRuntimeConfig|useAsyncData)\("""
        ),
        "a Nuxt server route (server/api/autype.post.ts)",
    ),
    (re.compile(r"\.astro\n"), "an Astro API endpoint (src/pages/api/autype.ts)"),
    (re.compile(r"\.blade\.php\n"), "a Laravel controller or route (routes/api.php)"),
    (re.compile(r"\.(?:php|phtml)\n"), "a PHP endpoint that calls Autype server-side"),
    (re.compile(r"\.erb\n|(?:^|/)app/(?:views|javascript|assets)/"), "a Rails controller"),
    # Django templates load tags and use `{% url %}`; Flask's Jinja uses `url_for`.
    (re.compile(r"\{%\s*(?:load|url|csrf_token)\b"), "a Django view"),
    (re.compile(r"\burl_for\("), "a Flask view"),
    (re.compile(r"\.(?:j2|jinja2?)\n|(?:^|/)templates/[^\n]*\.html?\n"), "a Flask or Django view"),
    (re.compile(r"\.(?:tmpl|gohtml|gotmpl)\n"), "a Go HTTP handler"),
    (re.compile(r"""\.ejs\n|["']express["']"""), "an Express route (app.post('/api/autype'))"),
    (re.compile(r"""["']@angular/"""), "an endpoint of your own backend (Angular calls it)"),
)


def backend_endpoint(path: str, text: str) -> str:
    """The server-side place to move an Autype call to, named for the framework the file
    belongs to when its path or text tells, else "your own backend endpoint"."""
    return _backend_for(f"{path.lower()}\n{text[:16384]}")


@functools.lru_cache(maxsize=16)
def _backend_for(probe: str) -> str:
    # Cached: a file with thousands of keys asks once per key (a 2 MB file of keys took
    # minutes), and the probe is at most 16 KB.
    for pattern, place in _BACKENDS:
        if pattern.search(probe):
            return place
    return "your own backend endpoint"
