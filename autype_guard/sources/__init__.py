"""Where bytes come from. Each source yields a file's bytes and a path to the engine and
never re-implements the per-file pipeline:

- `walk`: the work tree: which files to scan (excludes, git ignores, symlinks);
- `files`: files on disk found by the walk, read whole or, when large, through `chunks` in
  overlapping windows;
- `blobs`: any content, opening compressed assets and archives (`archives`);
- `reading`: non-blocking reads of regular files;
- `git`: the staged index, `--since` and every blob of the history.
"""
