"""`autype-guard fix`: move keys out of files into a git-ignored env file, safely.

- `..applicability`: which files have an exact automatic fix and what kind (below the rules,
  which use it to set each key finding's `Fix.applicability` and `Fix.site`, the `EditSite`
  that says where the key is written and which fixer edits it; nothing here is imported by
  them).
- `python.py`: the libcst codemod for Python (`os.environ["NAME"]`, `import os`).
- `text.py`: exact text edits for server-side JS/TS, GitHub workflows, docker-compose, docs.
- `naming.py`: which environment variable name each key is stored under.
- `envfile.py`: the env file, `.gitignore` and the git checks around them.
- `apply.py`: planning (read each file again, read each key back from its finding's edit
  site, compute every new file in memory) and atomic writes. It never scans twice.
- `temps.py`: the temporary files written before each rename: kept out of git
  (`info/exclude`), removed by the next run when a killed run left them.
- `target.py`: what the fixers take (a key's offsets and variable) and give back.
- `render.py`: the text report of a run and the `--diff` output (keys redacted).

This package's `__init__` imports nothing heavy.
"""

from __future__ import annotations
