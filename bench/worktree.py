"""An earlier version of this repository, checked out beside it for a side-by-side benchmark."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.runner import REPO


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """A detached worktree of `ref`, removed on exit.

    Raises:
        SystemExit: `ref` names no commit here, or its tree predates the `src/medreason` import root
            that both sides are imported through.
    """
    with tempfile.TemporaryDirectory(prefix="medreason-baseline-") as parent:
        tree = Path(parent) / "tree"
        add = ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), ref]
        if subprocess.run(add, check=False).returncode != 0:
            raise SystemExit(f"cannot check out {ref!r} (git says why above): name a commit of this repo")
        try:
            if not (tree / "src" / "medreason").is_dir():
                raise SystemExit(f"{ref} has no src/medreason: pick a baseline after that import root")
            yield tree
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False)
