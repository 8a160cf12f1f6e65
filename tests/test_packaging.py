"""The distribution has one import root, and another distribution's `tools` or `server` cannot break it.

These build the real wheel with pip (as a user's `pip install .` would) and install it into a fresh
virtual environment beside a distribution that ships its own top-level `tools` and `server` packages.
The fresh environment borrows this one's third-party packages through a path entry, so nothing is
downloaded but the build backend.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOT_FOLDERS = ("agent", "tools", "kg_store", "server", "datagen", "cli")


def _build_wheel(project: Path, out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(project)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our wheel, built from the checkout."""
    return _build_wheel(REPO, tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def colliding_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A distribution shipping generic top-level `tools` and `server` packages, as many do."""
    project = tmp_path_factory.mktemp("collider")
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [build-system]
            requires = ["hatchling>=1.25"]
            build-backend = "hatchling.build"

            [project]
            name = "collider"
            version = "1.0"

            [tool.hatch.build.targets.wheel]
            packages = ["tools", "server"]
            """
        )
    )
    for package in ("tools", "server"):
        (project / package).mkdir()
        (project / package / "__init__.py").write_text("COLLIDER = True\n")
    (project / "tools" / "paths.py").write_text("raise ImportError('the collider paths module')\n")
    return _build_wheel(project, tmp_path_factory.mktemp("collider-wheel"))


def test_the_wheel_has_one_top_level_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"medreason"}
    for folder in ROOT_FOLDERS:
        assert f"medreason/{folder}/__init__.py" in names
    assert "medreason/py.typed" in names
    assert "medreason/server/static/index.html" in names
    assert not [
        name for name in names if "__pycache__" in name or name.endswith((".pyc", ".prettierrc.json"))
    ]
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "medreason = medreason.cli.main:app" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_another_distributions_tools_package_breaks_nothing(
    wheel: Path, colliding_wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Third-party packages from this environment, after the fresh one's own (a path entry: its .pth
    # files, our editable install's among them, are not read).
    Path(site, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    def pip(*arguments: str) -> None:
        subprocess.run([str(python), "-m", "pip", "--quiet", *arguments], check=True, capture_output=True)

    pip("install", "--no-deps", str(wheel), str(colliding_wheel))
    ours = Path(site, "medreason", "tools", "paths.py").read_text()
    assert "search_paths" in ours
    assert Path(site, "tools", "paths.py").read_text().startswith("raise ImportError")

    def run(*arguments: str, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(arguments), cwd=cwd, capture_output=True, text=True, check=False)

    helped = run(str(venv / "bin" / "medreason"), "--help")
    assert helped.returncode == 0, helped.stderr
    assert "kg" in helped.stdout
    imported = run(
        str(python), "-c", "import medreason.tools.paths as p, tools; print(p.__file__, tools.COLLIDER)"
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split()[0].startswith(site)
    tested = run(
        str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/tools/test_toolkit.py", cwd=REPO
    )
    assert tested.returncode == 0, tested.stdout[-2000:]

    pip("uninstall", "--yes", "collider")
    assert Path(site, "medreason", "tools", "paths.py").read_text() == ours
    assert run(str(venv / "bin" / "medreason"), "--help").returncode == 0
