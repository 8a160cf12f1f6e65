"""medreason: grounded medical reasoning over a biomedical knowledge graph.

The one import root of the installed distribution. The code lives in the repository's root folders
(`agent/ tools/ kg_store/ server/ datagen/ cli/`, the product owner's layout); the wheel places them under
`medreason/`, and in a checkout `src/medreason/` links to them, so an editable install imports exactly what
a wheel does and no other distribution's `tools` or `server` can collide with ours.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("medreason")
except PackageNotFoundError:  # pragma: no cover - running from a checkout that was never installed
    __version__ = "0+unknown"
