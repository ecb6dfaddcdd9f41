"""Git-aware scans against real repositories built in the test: --staged, --since, --history."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import jsonschema
import pytest

from autype_guard.config import Config
from autype_guard.sources.git import open_repository, public_url, scan_history

from .conftest import fake_key, git
from .test_cli import run


def commit(
    repo: Path, files: dict[str, Optional[str]], message: str = "change", date: str = ""
) -> str:
    """Write (or with None, delete) files, commit them, return the new commit's id."""
    for name, content in files.items():
        if content is None:
            git(repo, "rm", "-q", name)
            continue
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message, *(["--date", date] if date else []))
    return git(repo, "rev-parse", "HEAD").strip()


def scan_json(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run("scan", "--format", "json", *args)
    return code, json.loads(out) if out.strip() else {}, err


@pytest.fixture
def in_repo(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    return repo


# --- --history -----------------------------------------------------------------------------


def test_history_finds_a_key_deleted_long_ago_with_its_commit_and_date(in_repo: Path) -> None:
    key = fake_key()
    added = commit(in_repo, {"app.py": f'KEY = "{key}"\n'}, "add", "2021-03-04T05:06:07+00:00")
    commit(in_repo, {"app.py": 'KEY = os.environ["AUTYPE_API_KEY"]\n'}, "fix")
    commit(in_repo, {"app.py": None}, "remove")
    commit(in_repo, {"README.md": "hello\n"}, "later")
    assert run("scan", ".")[0] == 0  # the work tree is clean...
    code, doc, _ = scan_json("--history")
    assert code == 1  # ...but the key is still in history
    (finding,) = doc["findings"]
    assert (finding["path"], finding["code"], finding["line"]) == ("app.py", "AG101", 1)
    assert finding["properties"] == {"commit": added, "author_date": "2021-03-04T05:06:07+00:00"}
    assert doc["git"]["mode"] == "history"
    assert doc["git"]["commits"] == 4
    documented = (Path(__file__).parent.parent / "docs" / "json-format.md").read_text()
    assert [k for k in ["git", *doc["git"]] if f"`{k}`" not in documented] == []
    code, out, _ = run("scan", "--history")
    assert f"= commit: {added[:12]} (2021-03-04T05:06:07+00:00)" in out
    assert key not in out
    quiet = run("scan", "--history", "-q")[1].splitlines()
    assert quiet[0].startswith("app.py:1:8: AG101 ")
    assert quiet[0].endswith(f"[high] (commit {added[:12]})")
    assert key not in quiet[0]


def test_history_reports_a_key_kept_across_revisions_once_at_its_earliest_commit(
    in_repo: Path,
) -> None:
    key = fake_key()
    first = commit(in_repo, {"settings.py": f'KEY = "{key}"\n'}, "add")
    for i in range(12):
        commit(in_repo, {"settings.py": f'KEY = "{key}"\n' + "x = 1\n" * (i + 1)}, f"edit {i}")
    code, doc, _ = scan_json("--history")
    assert code == 1
    (finding,) = doc["findings"]
    assert finding["properties"]["commit"] == first
    assert doc["summary"]["files_scanned"] == 13  # every revision was scanned once


def test_history_scans_each_distinct_blob_once(in_repo: Path) -> None:
    body = "print('same content')\n"
    commit(in_repo, {"a.py": body, "b.py": body, "c.txt": "other\n"})
    commit(in_repo, {"d/e.py": body, "c.txt": "changed\n"})
    git(in_repo, "checkout", "-q", "-b", "side")
    commit(in_repo, {"a.py": "print('side')\n"})
    blobs = {
        line.split()[0]
        for line in git(in_repo, "rev-list", "--all", "--objects").splitlines()
        if git(in_repo, "cat-file", "-t", line.split()[0]).strip() == "blob"
    }
    code, doc, _ = scan_json("--history")
    assert code == 0
    assert doc["summary"]["files_scanned"] == len(blobs) == 4


def test_history_sees_all_branches_and_a_detached_head(in_repo: Path) -> None:
    commit(in_repo, {"README.md": "start\n"})
    git(in_repo, "checkout", "-q", "-b", "feature")
    on_branch = commit(in_repo, {"feature.py": f'K = "{fake_key()}"\n'})
    git(in_repo, "checkout", "-q", "main")
    git(in_repo, "checkout", "-q", "--detach")
    detached = commit(in_repo, {"loose.env": f"AUTYPE_API_KEY={fake_key()}\n"})
    code, doc, _ = scan_json("--history")
    assert code == 1
    found = {f["path"]: f["properties"]["commit"] for f in doc["findings"]}
    assert found == {"feature.py": on_branch, "loose.env": detached}
    assert doc["git"]["branch"] is None  # detached


def test_history_reports_a_renamed_file_at_its_new_path_too(in_repo: Path) -> None:
    key = fake_key()
    first = commit(in_repo, {"old.py": f'K = "{key}"\n', "other.py": "x = 1\n"})
    git(in_repo, "mv", "old.py", "new.py")
    git(in_repo, "mv", "other.py", "moved.py")
    renamed = commit(in_repo, {}, "rename")
    code, doc, _ = scan_json("--history")
    assert code == 1
    found = {f["path"]: f["properties"]["commit"] for f in doc["findings"]}
    assert found == {"old.py": first, "new.py": renamed}


def test_history_finds_a_key_introduced_by_a_merge_resolution(in_repo: Path) -> None:
    commit(in_repo, {"conf.py": "A = 1\n"})
    git(in_repo, "checkout", "-q", "-b", "side")
    commit(in_repo, {"conf.py": "A = 2\n"})
    git(in_repo, "checkout", "-q", "main")
    commit(in_repo, {"conf.py": "A = 3\n"})
    subprocess.run(["git", "-C", str(in_repo), "merge", "-q", "side"], capture_output=True)
    (in_repo / "conf.py").write_text(f'A = "{fake_key()}"\n')  # the resolution adds a key
    git(in_repo, "add", "conf.py")
    merge = commit(in_repo, {}, "merge side")
    code, doc, _ = scan_json("--history")
    assert code == 1
    (finding,) = doc["findings"]
    assert finding["properties"]["commit"] == merge


def test_history_since_only_looks_at_later_commits(in_repo: Path) -> None:
    commit(in_repo, {"old.py": f'K = "{fake_key()}"\n'}, "old key")
    base = commit(in_repo, {"README.md": "base\n"}, "base")
    later = commit(in_repo, {"new.py": f'K = "{fake_key()}"\n'}, "new key")
    code, doc, _ = scan_json("--history", "--since", base)
    assert code == 1
    assert [(f["path"], f["properties"]["commit"]) for f in doc["findings"]] == [("new.py", later)]
    assert doc["git"]["since"] == base
    assert scan_json("--history", "--since", "HEAD")[0] == 0


def test_history_applies_config_excludes_and_path_limits(in_repo: Path) -> None:
    (in_repo / "pyproject.toml").write_text(
        '[tool.autype-guard]\nextend-exclude = ["tests/fixtures/**"]\n'
    )
    commit(
        in_repo,
        {
            "pyproject.toml": (in_repo / "pyproject.toml").read_text(),
            "tests/fixtures/leak.py": f'K = "{fake_key()}"\n',
            "src/app.py": f'K = "{fake_key()}"\n',
            "docs/notes.md": f"{fake_key()}\n",
        },
    )
    _, doc, _ = scan_json("--history")
    assert sorted(f["path"] for f in doc["findings"]) == ["docs/notes.md", "src/app.py"]
    assert doc["summary"]["excluded"] == 1
    _, doc, _ = scan_json("--history", "src")
    assert [f["path"] for f in doc["findings"]] == ["src/app.py"]


def test_history_honours_inline_ignores_unless_disabled(in_repo: Path) -> None:
    ignore = "# autype-guard" + ": ignore"  # split: not a suppression of this line
    commit(in_repo, {"a.py": f'K = "{fake_key()}"  {ignore}\n'})
    code, doc, _ = scan_json("--history")
    assert code == 0 and doc["summary"]["suppressed"] == 1
    assert scan_json("--history", "--no-inline-ignore")[0] == 1


def test_history_of_a_shallow_clone_says_what_it_could_not_see(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(repo, {"gone.py": f'K = "{fake_key()}"\n'}, "old key")
    commit(repo, {"gone.py": None}, "removed")
    commit(repo, {"kept.py": f'K = "{fake_key()}"\n'}, "current key")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)],
        check=True,
        capture_output=True,
    )
    monkeypatch.chdir(clone)
    code, doc, _ = scan_json("--history")
    assert code == 1
    assert [f["path"] for f in doc["findings"]] == ["kept.py"]  # gone.py is out of sight
    head = git(clone, "rev-parse", "HEAD").strip()
    assert doc["git"]["shallow_boundary"] == [head]
    (note,) = [n["message"] for n in doc["notes"] if n["path"] is None]
    assert "shallow clone" in note and head[:12] in note and "--unshallow" in note
    code, out, _ = run("scan", "--history")
    assert "note: shallow clone" in out


def test_history_of_an_empty_repository_is_clean(in_repo: Path) -> None:
    code, doc, _ = scan_json("--history")
    assert code == 0
    assert doc["findings"] == [] and doc["git"]["head"] is None


def test_history_of_a_bare_mirror(repo: Path, tmp_path: Path) -> None:
    first = commit(repo, {"a.py": f'K = "{fake_key()}"\n'})
    bare = tmp_path / "mirror.git"
    subprocess.run(
        ["git", "clone", "-q", "--mirror", str(repo), str(bare)], check=True, capture_output=True
    )
    report = scan_history(open_repository(bare), Config(root=bare))
    assert [(f.path, dict(f.properties)["commit"]) for f in report.findings] == [("a.py", first)]


def test_history_sarif_is_valid_and_carries_commits_without_credentials(in_repo: Path) -> None:
    git(in_repo, "remote", "add", "origin", "https://ci-bot:s3cret-token@example.com/org/app.git")
    sha = commit(in_repo, {"a.py": f'K = "{fake_key()}"\n'})
    code, out, _ = run("scan", "--history", "--format", "sarif")
    doc = json.loads(out)
    schema = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(doc)
    (result,) = doc["runs"][0]["results"]
    assert code == 1
    assert result["properties"]["commit"] == sha
    assert "author_date" in result["properties"]
    (vcs,) = doc["runs"][0]["versionControlProvenance"]
    assert vcs == {
        "repositoryUri": "https://example.com/org/app.git",
        "revisionId": sha,
        "branch": "main",
    }
    assert "s3cret" not in out


def test_public_url_strips_credentials() -> None:
    assert public_url("https://u:tok@github.com/o/r.git") == "https://github.com/o/r.git"
    assert public_url("git@github.com:o/r.git") == "ssh://git@github.com/o/r.git"
    assert public_url("/srv/git/r.git") == "/srv/git/r.git"


# --- --staged ------------------------------------------------------------------------------


def test_staged_judges_the_index_not_the_work_tree(in_repo: Path) -> None:
    commit(in_repo, {"app.py": "import os\n"})
    (in_repo / "app.py").write_text(f'import os\nK = "{fake_key()}"\n')
    git(in_repo, "add", "app.py")
    (in_repo / "app.py").write_text("import os\n")  # the key is only in the staged version
    code, doc, _ = scan_json("--staged")
    assert code == 1
    assert [(f["path"], f["line"]) for f in doc["findings"]] == [("app.py", 2)]
    assert doc["git"]["mode"] == "staged"

    git(in_repo, "reset", "-q")
    (in_repo / "app.py").write_text(f'import os\nK = "{fake_key()}"\n')  # not staged
    assert scan_json("--staged")[0] == 0


def test_partially_staged_file_with_key_only_in_the_work_tree_passes(in_repo: Path) -> None:
    commit(in_repo, {"app.py": "a = 1\n"})
    (in_repo / "app.py").write_text("a = 2\n")
    git(in_repo, "add", "app.py")
    (in_repo / "app.py").write_text(f'a = 2\nK = "{fake_key()}"\n')
    code, doc, _ = scan_json("--staged")
    assert code == 0
    assert doc["summary"]["files_scanned"] == 1


def test_staged_skips_deletions_and_scans_renames_and_new_files(in_repo: Path) -> None:
    key = fake_key()
    ignore = "autype-guard: " + "ignore"  # split so this file holds no dead comment
    commit(in_repo, {"old.py": f'K = "{key}"  # {ignore}\n', "gone.py": "x = 1\n"})
    git(in_repo, "rm", "-q", "gone.py")
    git(in_repo, "mv", "old.py", "renamed.py")
    (in_repo / "renamed.py").write_text(f'K = "{key}"\n')
    (in_repo / "new.env").write_text(f"AUTYPE_API_KEY={fake_key()}\n")
    git(in_repo, "add", "renamed.py", "new.env")
    code, doc, _ = scan_json("--staged")
    assert code == 1
    assert sorted(f["path"] for f in doc["findings"]) == ["new.env", "renamed.py"]
    assert doc["summary"]["files_scanned"] == 2


def test_staged_in_a_new_repository_without_commits(in_repo: Path) -> None:
    (in_repo / "a.py").write_text(f'K = "{fake_key()}"\n')
    git(in_repo, "add", "a.py")
    assert scan_json("--staged")[0] == 1


def test_staged_from_a_subdirectory_scans_the_repository_and_names_paths_from_here(
    in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(in_repo, {"pkg/mod.py": "x = 1\n", "top.py": "y = 1\n"})
    (in_repo / "pkg" / "mod.py").write_text(f'K = "{fake_key()}"\n')
    (in_repo / "top.py").write_text(f'K = "{fake_key()}"\n')
    git(in_repo, "add", ".")
    monkeypatch.chdir(in_repo / "pkg")
    _, doc, _ = scan_json("--staged")
    assert sorted(f["path"] for f in doc["findings"]) == ["../top.py", "mod.py"]
    _, doc, _ = scan_json("--staged", ".")
    assert [f["path"] for f in doc["findings"]] == ["mod.py"]
    # SARIF locations are relative to the repository root wherever the scan ran.
    _, out, _ = run("scan", "--staged", "--format", "sarif")
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(out)["runs"][0]["results"]
    }
    assert uris == {"pkg/mod.py", "top.py"}


def test_staged_as_a_plain_git_pre_commit_hook(in_repo: Path) -> None:
    hook = in_repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec {sys.executable} -m autype_guard scan --staged\n")
    hook.chmod(0o755)
    commit(in_repo, {"ok.py": "x = 1\n"})  # passes the hook
    (in_repo / "bad.py").write_text(f'K = "{fake_key()}"\n')
    git(in_repo, "add", "bad.py")
    with pytest.raises(subprocess.CalledProcessError) as blocked:
        git(in_repo, "commit", "-q", "-m", "leak")
    # git shows a hook's output on stderr
    assert "bad.py:1:6: AG101" in blocked.value.stderr
    assert "\r" not in blocked.value.stderr  # no progress bar in a hook
    assert git(in_repo, "log", "--format=%s").split() == ["change"]
    # `commit -a` and `commit PATH` stage into a temporary index (GIT_INDEX_FILE): same verdict.
    git(in_repo, "reset", "-q")
    (in_repo / "bad.py").unlink()
    (in_repo / "ok.py").write_text(f'K = "{fake_key()}"\n')
    for args in (["-a"], ["ok.py"]):
        with pytest.raises(subprocess.CalledProcessError):
            git(in_repo, "commit", "-q", "-m", "leak", *args)
    assert git(in_repo, "log", "--format=%s").split() == ["change"]


# --- --since (work-tree files) -------------------------------------------------------------


def test_since_scans_changed_and_untracked_files_only(in_repo: Path) -> None:
    base = commit(
        in_repo,
        {
            ".gitignore": "ignored.env\n",
            "untouched.py": f'K = "{fake_key()}"\n',
            "changed.py": "x = 1\n",
            "deleted.py": "y = 1\n",
        },
    )
    commit(in_repo, {"committed.py": f'K = "{fake_key()}"\n', "deleted.py": None})
    (in_repo / "changed.py").write_text(f'x = "{fake_key()}"\n')  # modified, not staged
    (in_repo / "untracked.md").write_text(f"{fake_key()}\n")
    (in_repo / "ignored.env").write_text(f"AUTYPE_API_KEY={fake_key()}\n")
    code, doc, _ = scan_json("--since", base)
    assert code == 1
    assert sorted(f["path"] for f in doc["findings"]) == [
        "changed.py",
        "committed.py",
        "untracked.md",
    ]
    assert doc["git"]["since"] == base
    assert scan_json("--since", "HEAD", "committed.py")[0] == 0


# --- errors --------------------------------------------------------------------------------


def _one_line_error(code: int, out: str, err: str) -> str:
    assert code == 2
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_not_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for mode in (["--history"], ["--staged"], ["--since", "HEAD"]):
        line = _one_line_error(*run("scan", *mode))
        assert "not a git repository" in line


def test_bad_revision(in_repo: Path) -> None:
    commit(in_repo, {"a.txt": "a\n"})
    for args in (["--since", "no-such-branch"], ["--history", "--since", "--output=x"]):
        line = _one_line_error(*run("scan", *args))
        assert "bad revision" in line


def test_staged_with_since_or_history_is_a_usage_error(in_repo: Path) -> None:
    for args in (["--staged", "--history"], ["--staged", "--since", "HEAD"]):
        line = _one_line_error(*run("scan", *args))
        assert "--staged" in line


def test_path_outside_the_repository(in_repo: Path, tmp_path: Path) -> None:
    line = _one_line_error(*run("scan", "--history", ".", str(tmp_path)))
    assert "outside the git repository" in line


def test_missing_git_binary_is_one_line_and_exit_2(in_repo: Path, tmp_path: Path) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {**os.environ, "PATH": str(empty_bin)}
    for mode in (["--history"], ["--staged"], ["--since", "HEAD"]):
        proc = subprocess.run(
            [sys.executable, "-m", "autype_guard", "scan", *mode],
            capture_output=True,
            text=True,
            env=env,
        )
        line = _one_line_error(proc.returncode, proc.stdout, proc.stderr)
        assert "git is not installed" in line


def _object_file(repo: Path, oid: str) -> Path:
    return repo / ".git" / "objects" / oid[:2] / oid[2:]


def test_broken_repository_with_a_missing_tree(in_repo: Path) -> None:
    commit(in_repo, {"a.py": "x = 1\n"})
    commit(in_repo, {"b.py": "y = 1\n"})
    _object_file(in_repo, git(in_repo, "rev-parse", "HEAD~1^{tree}").strip()).unlink()
    line = _one_line_error(*run("scan", "--history"))
    assert "git log failed" in line


def test_broken_repository_with_a_missing_blob(in_repo: Path) -> None:
    commit(in_repo, {"a.py": "x = 1\n", "b.py": f'K = "{fake_key()}"\n'})
    _object_file(in_repo, git(in_repo, "rev-parse", "HEAD:a.py").strip()).unlink()
    code, doc, _ = scan_json("--history")
    assert code == 2  # an unreadable blob never counts as clean
    assert [f["path"] for f in doc["findings"]] == ["b.py"]
    (error,) = doc["errors"]
    assert error["path"] == "a.py" and "missing" in error["message"]
