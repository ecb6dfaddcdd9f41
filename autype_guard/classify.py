"""What kind of file a name (and its first bytes) is: drives scanner and rule choice."""

from __future__ import annotations

from .filenames import ARCHIVE_SUFFIXES
from .lazy_regex import lazy_compile
from .model import FileKind

_BY_SUFFIX: dict[str, FileKind] = {}
for _kind, _suffixes in {
    FileKind.PYTHON: ".py .pyi .pyw",
    FileKind.SCRIPT: ".js .mjs .cjs .ts .mts .cts .jsx .tsx",
    FileKind.SOURCE_MAP: ".map",
    FileKind.MARKUP: (
        ".html .htm .xhtml .vue .svelte .astro .j2 .jinja .jinja2 .njk .hbs .handlebars "
        ".mustache .ejs .erb .liquid .twig .tmpl .tpl .gotmpl .gohtml .jsp .cshtml .razor .haml "
        ".slim .pug"
    ),
    FileKind.SOURCE: (
        ".go .rb .java .kt .kts .scala .php .cs .fs .swift .rs .c .cc .cpp .h .hpp .m .sh "
        ".bash .zsh .fish .ps1 .psm1 .bat .cmd .pl .pm .lua .r .ex .exs .erl .dart .groovy "
        ".gradle .sql .clj .hs .jl .nim .zig .vb .css .scss .sass .less .rake .gemspec"
    ),
    FileKind.CONFIG: (
        ".json .jsonc .json5 .yaml .yml .toml .ini .cfg .conf .properties .tfvars .tf .hcl "
        ".har .xml .plist .tsv .csv .dockerfile .npmrc .pypirc .netrc .service .nomad "
        # .NET XML configuration (Web.config, App.config, MyApp.exe.config), Xcode build
        # settings, systemd units besides .service, cron tables.
        ".config .xcconfig .timer .socket .mount .path .target .cron .crontab"
    ),
    FileKind.DOCS: ".md .markdown .mdx .rst .txt .adoc .asciidoc .rdoc .org .textile .log .tex",
    FileKind.NOTEBOOK: ".ipynb",
}.items():
    for _suffix in _suffixes.split():
        _BY_SUFFIX[_suffix] = _kind

_BY_NAME: dict[str, FileKind] = {
    "dockerfile": FileKind.CONFIG,
    "containerfile": FileKind.CONFIG,
    "jenkinsfile": FileKind.CONFIG,
    "procfile": FileKind.CONFIG,
    "vagrantfile": FileKind.SOURCE,
    "makefile": FileKind.SOURCE,
    "gemfile": FileKind.SOURCE,
    "rakefile": FileKind.SOURCE,
    "justfile": FileKind.SOURCE,
    ".envrc": FileKind.ENV,
    ".flaskenv": FileKind.ENV,
    ".npmrc": FileKind.CONFIG,
    ".pypirc": FileKind.CONFIG,
    ".netrc": FileKind.CONFIG,
    "_netrc": FileKind.CONFIG,  # Windows
    "netrc": FileKind.CONFIG,
    "crontab": FileKind.CONFIG,
    ".gitconfig": FileKind.CONFIG,
    ".bashrc": FileKind.SOURCE,
    ".zshrc": FileKind.SOURCE,
    ".profile": FileKind.SOURCE,
    "readme": FileKind.DOCS,
}
# A minified or content-hashed build artefact: `app.min.js`, `main.3f2a9c.js`, `index-58dee3d8.js`.
_BUNDLE_NAME = lazy_compile(
    r".*(?:\.min\.(?:js|mjs|css)|[.-][0-9a-f]{6,}\.(?:js|mjs|css)|\.(?:chunk|bundle)\.(?:js|css))"
)


# A container image layer in a label: `image.tar!sha256:<digest>/usr/share/app.js`.
_IMAGE_LAYER = lazy_compile(r"!sha256:[0-9a-f]{64}/")


def member_path(label: str) -> str:
    """The innermost member path of an archive label (`a.zip!b.jar!c/d.js` -> `c/d.js`),
    the path inside a container image layer (`image.tar!sha256:<digest>/usr/bin/x` ->
    `usr/bin/x`), or the label itself when it names no archive member."""
    layer = _IMAGE_LAYER.match(label, max(label.rfind("!sha256:"), 0))
    if layer is not None:
        label = label[layer.end() :]
    i = label.rfind("!")
    while i > 0:
        if label[:i].lower().endswith(ARCHIVE_SUFFIXES):
            return label[i + 1 :]
        i = label.rfind("!", 0, i)
    return label


# Suffixes of a copy or a sample of another file (`application.properties.example`,
# `netrc.sample`, `config.yml.dist`): it has the kind of the file it stands for.
_SAMPLE_SUFFIXES = (".example", ".sample", ".dist", ".default", ".orig", ".bak")
# Config files named by their directory: cron tables in /etc/cron.d/ and the spool.
_CONFIG_DIRS = ("/cron.d", "/crontabs")
# The first bytes of config files that names do not give away (see `_config_by_content`):
# a netrc entry, a systemd unit section, a cron line, a .NET or Maven XML configuration.
_CONFIG_HEAD = lazy_compile(
    rb"(?:\A|\n)[ \t]*(?:machine[ \t]+\S+[ \t]+(?:login|password|account)\b"
    rb"|\[(?:Unit|Service|Timer|Socket|Install|Mount|Path)\][ \t]*\r?\n"
    rb"|(?:@(?:reboot|yearly|annually|monthly|weekly|daily|hourly)|[0-9*][0-9*/,-]*[ \t]+"
    rb"[0-9*][0-9*/,-]*[ \t]+[0-9*][0-9*/,-]*[ \t]+[0-9*][0-9*/,-]*[ \t]+[0-9*][0-9*/,-]*)"
    rb"[ \t]+[/A-Za-z]"
    rb"|<(?:configuration|settings)\b)"
)


def classify(name: str, head: bytes = b"") -> FileKind:
    """The kind of a file from its name and (optionally) its first bytes; never raises.

    A precompressed asset (`app.js.gz`, `app.js.br`) has the kind of the file inside it, a
    sample or copy (`application.properties.example`) the kind of the file it stands for.
    Config files are known by name (`.netrc`, `_netrc`, `Web.config`, `*.service`,
    `*.timer`, `crontab`, `*.cron`, files in `cron.d/`) and, for a name that says nothing,
    by their first bytes (`_config_by_content`)."""
    path = member_path(name)
    lower = path.rsplit("/", 1)[-1].lower()
    if lower.endswith((".gz", ".br")) and not lower.endswith((".tar.gz", ".tgz")):
        lower = lower[:-3]
    if lower.endswith(_SAMPLE_SUFFIXES) and lower.count(".") > 1:
        inner = classify(path[: path.rfind(".")], head)
        if inner is not FileKind.TEXT:
            return inner
    if lower.startswith(("netrc.", ".netrc.")) or lower.endswith(".netrc"):
        return FileKind.CONFIG
    if "." not in lower and f"/{path.lower()}".rsplit("/", 1)[0].endswith(_CONFIG_DIRS):
        return FileKind.CONFIG
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return FileKind.ENV
    if lower in _BY_NAME:
        return _BY_NAME[lower]
    if lower.startswith(("dockerfile.", "containerfile.")) or lower.endswith(".dockerfile"):
        return FileKind.CONFIG
    if lower.startswith(("docker-compose", "compose.")) and lower.endswith((".yml", ".yaml")):
        return FileKind.CONFIG
    if _BUNDLE_NAME.fullmatch(lower):
        return FileKind.BUNDLE
    if lower.endswith(".blade.php"):
        return FileKind.MARKUP
    dot = lower.rfind(".")
    if dot > 0 or (dot == 0 and lower.count(".") > 1):
        kind = _BY_SUFFIX.get(lower[dot:])
        if kind is not None:
            return kind
    if head.startswith(b"#!"):
        first = head.split(b"\n", 1)[0]
        return FileKind.PYTHON if b"python" in first else FileKind.SOURCE
    if _config_by_content(head):
        return FileKind.CONFIG
    return FileKind.TEXT


def _config_by_content(head: bytes) -> bool:
    """True when the first bytes of a file whose name says nothing are a config file's: a
    netrc entry (`machine HOST login ...`), a systemd unit section (`[Service]`), a cron
    line (`0 3 * * * /usr/bin/...`, `@daily ...`) or a .NET/Maven XML configuration."""
    return _CONFIG_HEAD.search(head[:1024]) is not None
