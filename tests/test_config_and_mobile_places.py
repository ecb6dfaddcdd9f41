from __future__ import annotations

import pytest

from autype_guard import scan_text
from autype_guard.classify import classify
from autype_guard.model import FileKind

from .conftest import fake_key


def _codes(template: str, path: str) -> list[str]:
    return [f.code for f in scan_text(template.format(key=fake_key()), path).findings]


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("netrc.sample", "machine api.autype.com login r password {key}\n"),
        ("_netrc", "machine api.autype.com login r password {key}\n"),
        ("ops/ci.netrc", "machine api.autype.com login r password {key}\n"),
        ("Web.config", '<configuration><add key="Autype:ApiKey" value="{key}"/></configuration>'),
        ("src/App.config", '<configuration><add key="AutypeKey" value="{key}"/></configuration>'),
        (".m2/settings.xml", "<settings><server><password>{key}</password></server></settings>"),
        ("UserSecrets/4f1c/secrets.json", '{{"Autype:ApiKey": "{key}"}}\n'),
        ("src/main/resources/application-prod.properties", "autype.api-key={key}\n"),
        ("application.properties.example", "autype.api-key={key}\n"),
        ("deploy/render.timer", "[Timer]\n# AUTYPE_API_KEY={key}\n"),
        ("deploy/render.socket", "[Socket]\n# AUTYPE_API_KEY={key}\n"),
        ("deploy/render.service.d/autype.env", "AUTYPE_API_KEY={key}\n"),
        ("crontab", "AUTYPE_API_KEY={key}\n0 3 * * * /usr/bin/render\n"),
        ("ops/nightly.cron", "AUTYPE_API_KEY={key}\n0 3 * * * /usr/bin/render\n"),
        ("etc/cron.d/render", "AUTYPE_API_KEY={key}\n0 3 * * * root /usr/bin/render\n"),
        # Names that say nothing: known by content.
        ("ops/credentials", "machine api.autype.com login r password {key}\n"),
        ("deploy/renderd", "[Unit]\nDescription=r\n[Service]\nEnvironment=K={key}\n"),
    ],
)
def test_config_files_by_name_and_content_are_ag103(path: str, template: str) -> None:
    assert _codes(template, path) == ["AG103"]


def test_config_advice_is_not_a_source_rewrite() -> None:
    source = "machine api.autype.com login r password " + fake_key() + "\n"
    [finding] = scan_text(source, "_netrc").findings
    assert "os.environ" not in finding.suggestion
    assert "Settings -> API Keys" in finding.suggestion


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("android/app/src/main/res/values/strings.xml", '<string name="k">{key}</string>\n'),
        ("app/src/release/res/values/keys.xml", '<string name="k">{key}</string>\n'),
        ("android/app/src/main/AndroidManifest.xml", '<meta-data android:value="{key}"/>\n'),
        ("android/app/google-services.json", '{{"current_key": "{key}"}}\n'),
        ("ios/Runner/Info.plist", "<key>AutypeKey</key><string>{key}</string>\n"),
        ("ios/Flutter/Release.xcconfig", "AUTYPE_API_KEY = {key}\n"),
        ("ios/Runner/AppDelegate.swift", 'let key = "{key}"\n'),
        ("Render/ContentView.swift", 'import SwiftUI\nlet key = "{key}"\n'),
        ("android/app/src/main/kotlin/com/acme/Main.kt", 'val key = "{key}"\n'),
        ("app/src/main/java/com/acme/Main.java", 'import android.app.Activity;\nS k = "{key}";\n'),
        ("lib/services/render.dart", "const key = '{key}';\n"),
        ("app.json", '{{"expo": {{"extra": {{"autypeKey": "{key}"}}}}}}\n'),
        ("App.tsx", 'const key = "{key}";\n'),
    ],
)
def test_mobile_app_files_are_ag102(path: str, template: str) -> None:
    assert _codes(template, path) == ["AG102"]


@pytest.mark.parametrize(
    ("path", "template"),
    [
        (
            "src/main/kotlin/com/acme/Application.kt",
            'import io.ktor.server.engine.*\nval k = "{key}"\n',
        ),
        (
            "src/main/java/com/acme/Config.java",
            'import org.springframework.context.*;\nS k = "{key}";\n',
        ),
        ("Sources/App/routes.swift", 'import Vapor\nlet k = "{key}"\n'),
        ("server/bin/server.dart", "import 'package:shelf/shelf.dart';\nconst k = '{key}';\n"),
    ],
)
def test_server_side_kotlin_java_swift_and_dart_stay_ag101(path: str, template: str) -> None:
    assert _codes(template, path) == ["AG101"]


def test_src_main_resources_is_not_android_res() -> None:
    assert _codes('{{"autype_key": "{key}"}}\n', "src/main/resources/config.json") == ["AG103"]


def test_a_text_file_is_not_taken_for_config() -> None:
    assert classify("notes/LICENSE", b"Permission is hereby granted, free of charge") is (
        FileKind.TEXT
    )
