"""AG103 key-in-config."""

from __future__ import annotations

from ..model import Place, Severity, Span
from ..testing import Invalid, Valid
from .base import KeyLiteralRule


class KeyInConfig(KeyLiteralRule):
    """
    ## What it does
    Flags Autype API keys in configuration and infrastructure files: `.env` files, JSON,
    YAML, TOML, INI, `.properties` (and variants such as `application-prod.properties`,
    `*.properties.example`), Terraform `.tfvars`, HAR captures, Dockerfiles,
    docker-compose files, Kubernetes manifests (base64 `Secret` data included), CI
    workflow files, `.netrc` credentials (also `_netrc`, `*.netrc`, `netrc.sample`),
    server-side XML configuration (`Web.config`, `App.config`, `*.config`, Maven
    `settings.xml`, .NET user secrets), systemd units (`*.service`, `*.timer`, `*.socket`,
    `*.env` drop-ins) and cron tables (`crontab`, `*.cron`, `/etc/cron.d/*`). Files whose
    name says nothing count by content: a netrc entry, a systemd section, a cron line.

    Config that ships inside a mobile app (Android `res/`, `AndroidManifest.xml`, iOS
    `Info.plist`, `*.xcconfig`, Expo `app.json`) is AG102 instead.

    ## Why is this bad?
    Config files are committed, copied into images and printed in CI logs. A key in one is
    readable by everyone with access to any of those, and spends your organization's credits.

    ## Example
    ```yaml
    env:
      AUTYPE_API_KEY: ak_3hQ9xLr2Vt8mW1pZ
    ```

    ## Use instead
    ```yaml
    env:
      AUTYPE_API_KEY: ${{ secrets.AUTYPE_API_KEY }}
    ```
    Keep `.env` files out of git, inject the key from a CI secret or secret manager, and
    rotate the exposed key in the Autype dashboard under Settings -> API Keys.

    ## Fix safety
    Unsafe for GitHub workflow files (the key becomes `${{ secrets.AUTYPE_API_KEY }}`) and
    docker-compose files (`${AUTYPE_API_KEY}`): the workflow then needs the repository
    secret, the deployment the variable. `autype-guard fix` moves the key into a git-ignored
    `.env` file. Display only elsewhere: the right secret mechanism depends on your
    deployment.
    """

    CODE = "AG103"
    NAME = "key-in-config"
    SEVERITY = Severity.HIGH
    CONTEXT_SEPARATOR = ", "
    PLACE = Place.CONFIG
    MESSAGE = "Autype API key {preview} in a config file{context}"
    FIX_TITLE = "Inject the key from a secret store"
    VALID = (
        Valid("AUTYPE_API_KEY=\n", path=".env.example"),
        Valid("AUTYPE_API_KEY=ak_your_api_key_here\n", path=".env.example"),
        Valid("env:\n  AUTYPE_API_KEY: ${{ secrets.AUTYPE_API_KEY }}\n", path="ci.yml"),
        Valid('{"locale": "ak_GH", "class": "ak_button_primary_large"}\n', path="a.json"),
    )
    INVALID = (
        Invalid(
            "AUTYPE_API_KEY=ak_3hQ9xLr2Vt8mW1pZ\n",  # autype-guard: ignore[AG101]
            span=Span.of((1, 16), (1, 35)),
            path=".env",
        ),
        Invalid(
            "env:\n  AUTYPE_API_KEY: ak_3hQ9xLr2Vt8mW1pZ\n",  # autype-guard: ignore[AG101]
            span=Span.of((2, 19), (2, 38)),
            path=".github/workflows/render.yml",
            fixed="env:\n  AUTYPE_API_KEY: ${{ secrets.AUTYPE_API_KEY }}\n",
        ),
        Invalid(
            "services:\n  api:\n    environment:\n      - AUTYPE_API_KEY=ak_3hQ9xLr2Vt8mW1pZ\n",
            span=Span.of((4, 24), (4, 43)),
            path="docker-compose.yml",
            fixed="services:\n  api:\n    environment:\n      - AUTYPE_API_KEY=${AUTYPE_API_KEY}\n",
        ),
        Invalid(
            'autype:\n  api_key: "ak_3hQ9xLr2Vt8mW1pZ"\n',  # autype-guard: ignore[AG101]
            span=Span.of((2, 13), (2, 32)),
            path="config.yaml",
        ),
        Invalid(
            "data:\n  key: YWtfM2hROXhMcjJWdDhtVzFwWg==\n",
            span=Span.of((2, 8), (2, 36)),
            path="k8s/secret.yaml",
        ),
        Invalid(
            "machine api.autype.com login render password ak_3hQ9xLr2Vt8mW1pZ\n",
            span=Span.of((1, 46), (1, 65)),
            path=".netrc",
        ),
        Invalid(
            '<configuration>\n  <add key="Autype:ApiKey" value="ak_3hQ9xLr2Vt8mW1pZ" />\n',
            span=Span.of((2, 35), (2, 54)),
            path="Web.config",
        ),
        Invalid(
            "[Service]\nEnvironment=AUTYPE_API_KEY=ak_3hQ9xLr2Vt8mW1pZ\n",
            span=Span.of((2, 28), (2, 47)),
            path="deploy/renderd.timer",
        ),
        Invalid(
            "AUTYPE_API_KEY=ak_3hQ9xLr2Vt8mW1pZ\n0 3 * * * render /usr/bin/nightly\n",
            span=Span.of((1, 16), (1, 35)),
            path="etc/cron.d/nightly",
        ),
        Invalid(
            '{"key": "\\u0061k_3hQ9xLr2Vt8mW1pZ"}\n',  # autype-guard: ignore[AG101]
            span=Span.of((1, 10), (1, 34)),
            path="fixture.json",
        ),
    )
