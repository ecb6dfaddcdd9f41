from __future__ import annotations

from pathlib import Path

from autype_guard.api import scan_paths
from autype_guard.config import Config

FIXTURES = Path(__file__).parent / "fixtures" / "templates"


def test_server_regions_of_templates_are_ag101_and_page_output_ag102() -> None:
    report = scan_paths([FIXTURES], Config(root=FIXTURES))
    found = sorted((Path(f.path).name, f.line, f.code) for f in report.findings)
    assert found == [
        ("application.html.erb", 1, "AG101"),  # <% api_key = "..." %>
        ("application.html.erb", 2, "AG101"),  # <%# comment %>: never rendered
        ("application.html.erb", 7, "AG102"),  # <%= "..." %> echoes into the page
        ("editor.blade.php", 2, "AG101"),  # @php ... @endphp
        ("editor.blade.php", 4, "AG101"),  # {{-- comment --}}
        ("editor.blade.php", 5, "AG102"),
        ("editor.ejs", 1, "AG101"),
        ("editor.ejs", 4, "AG102"),  # <%- ... %> prints into the page
        ("index.astro", 3, "AG101"),  # frontmatter
        ("index.astro", 10, "AG102"),  # <script>
        ("legacy.php", 3, "AG101"),
        ("legacy.php", 10, "AG102"),  # the HTML part of the PHP file
        ("legacy.php", 13, "AG102"),  # echo prints into the page
        ("letter.html", 3, "AG101"),  # {# comment #}
        ("letter.html", 5, "AG102"),
    ]


def test_tpl_and_gotmpl_pages_are_browser_and_helm_helpers_config(tmp_path: Path) -> None:
    from .conftest import fake_key

    key = fake_key()
    files = {
        "templates/page.tpl": f'<div data-k="{key}"></div>\n',  # Smarty: a page
        "web/page.gotmpl": f'<meta content="{key}">\n',  # Go html/template: a page
        "charts/pdf/templates/_helpers.tpl": f'{{{{- define "pdf.key" -}}}}{key}{{{{- end }}}}\n',
        "helmfile.d/values.yaml.gotmpl": f"autype:\n  apiKey: {key}\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    report = scan_paths([tmp_path], Config(root=tmp_path))
    found = sorted((Path(f.path).relative_to(tmp_path).as_posix(), f.code) for f in report.findings)
    assert found == [
        ("charts/pdf/templates/_helpers.tpl", "AG103"),
        ("helmfile.d/values.yaml.gotmpl", "AG103"),
        ("templates/page.tpl", "AG102"),
        ("web/page.gotmpl", "AG102"),
    ]
