"""LLM settings from the environment: defaults, overrides, and every invalid value named."""

from __future__ import annotations

from pathlib import Path

import pytest

from medreason.agent.errors import LLMConfigError
from medreason.agent.llm import LLMSettings
from medreason.agent.llm.settings import DEFAULT_GGUF_NAME


def test_defaults_run_without_a_model() -> None:
    settings = LLMSettings.from_env({})
    assert settings == LLMSettings()
    assert (settings.backend, settings.timeout_s, settings.max_retries, settings.temperature) == (
        "none",
        60.0,
        2,
        0.0,
    )
    assert settings.describe() == {"backend": "none", "model": None}


def test_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDREASON_LLM", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("MEDREASON_MODEL", "qwen")
    settings = LLMSettings.from_env()
    assert (settings.backend, settings.base_url, settings.model) == (
        "openai",
        "http://127.0.0.1:8000/v1",
        "qwen",
    )


def test_openai_settings_from_env() -> None:
    settings = LLMSettings.from_env(
        {
            "MEDREASON_LLM": "OpenAI",
            "OPENAI_BASE_URL": "http://127.0.0.1:8000/v1",
            "OPENAI_API_KEY": "sk-secret",
            "MEDREASON_MODEL": "qwen2.5-7b",
            "MEDREASON_LLM_TIMEOUT": "12.5",
            "MEDREASON_LLM_RETRIES": "0",
            "MEDREASON_LLM_MAX_TOKENS": "256",
        }
    )
    assert settings.backend == "openai"
    assert settings.base_url == "http://127.0.0.1:8000/v1"
    assert settings.model == "qwen2.5-7b"
    assert (settings.timeout_s, settings.max_retries, settings.max_tokens) == (12.5, 0, 256)
    assert settings.describe() == {"backend": "openai", "model": "qwen2.5-7b"}
    assert "sk-secret" not in repr(settings)
    assert "sk-secret" not in str(settings.describe())


def test_the_official_api_needs_only_a_key_and_a_model() -> None:
    settings = LLMSettings.from_env(
        {"MEDREASON_LLM": "openai", "OPENAI_API_KEY": "sk-x", "MEDREASON_MODEL": "gpt-4o-mini"}
    )
    assert settings.base_url is None
    assert settings.api_key == "sk-x"


def test_local_names_the_gguf_file() -> None:
    default = LLMSettings.from_env({"MEDREASON_LLM": "local"})
    assert default.gguf is None
    assert default.describe() == {"backend": "local", "model": DEFAULT_GGUF_NAME}
    chosen = LLMSettings.from_env({"MEDREASON_LLM": "local", "MEDREASON_GGUF": "/models/qwen-0.5b.gguf"})
    assert chosen.gguf == Path("/models/qwen-0.5b.gguf")
    assert chosen.describe() == {"backend": "local", "model": "qwen-0.5b.gguf"}


def test_overrides_win_and_none_overrides_are_ignored() -> None:
    env = {"MEDREASON_LLM": "none", "MEDREASON_MODEL": "from-env", "OPENAI_BASE_URL": "http://h/v1"}
    settings = LLMSettings.from_env(env, backend="openai", model=None, timeout_s=5, gguf="/m.gguf")
    assert settings.backend == "openai"
    assert settings.model == "from-env"
    assert settings.timeout_s == 5
    assert settings.gguf == Path("/m.gguf")


def test_empty_variables_count_as_unset() -> None:
    assert LLMSettings.from_env({"MEDREASON_LLM": "", "MEDREASON_LLM_TIMEOUT": " "}) == LLMSettings()


def test_an_unknown_override_is_a_bug() -> None:
    with pytest.raises(TypeError, match="no field colour"):
        LLMSettings.from_env({}, colour="red")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"MEDREASON_LLM": "gpt"}, "MEDREASON_LLM"),
        ({"MEDREASON_LLM_TIMEOUT": "soon"}, "MEDREASON_LLM_TIMEOUT"),
        ({"MEDREASON_LLM_TIMEOUT": "0"}, "MEDREASON_LLM_TIMEOUT"),
        ({"MEDREASON_LLM_TIMEOUT": "nan"}, "MEDREASON_LLM_TIMEOUT"),
        ({"MEDREASON_LLM_RETRIES": "two"}, "MEDREASON_LLM_RETRIES"),
        ({"MEDREASON_LLM_RETRIES": "-1"}, "MEDREASON_LLM_RETRIES"),
        ({"MEDREASON_LLM_MAX_TOKENS": "0"}, "MEDREASON_LLM_MAX_TOKENS"),
        ({"MEDREASON_LLM_CTX": "big"}, "MEDREASON_LLM_CTX"),
        ({"MEDREASON_LLM": "openai", "OPENAI_BASE_URL": "http://h/v1"}, "MEDREASON_MODEL"),
        ({"MEDREASON_LLM": "openai", "MEDREASON_MODEL": "m"}, "OPENAI_BASE_URL"),
    ],
)
def test_invalid_values_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(LLMConfigError, match=variable) as caught:
        LLMSettings.from_env(env)
    assert caught.value.step == ""


def test_an_invalid_override_is_rejected_too() -> None:
    with pytest.raises(LLMConfigError, match="MEDREASON_LLM must be one of none, openai, local"):
        LLMSettings.from_env({}, backend="remote")


def test_openai_without_an_endpoint_says_both_ways_to_fix_it() -> None:
    with pytest.raises(LLMConfigError) as caught:
        LLMSettings(backend="openai", model="m")
    assert "OPENAI_BASE_URL" in str(caught.value)
    assert "OPENAI_API_KEY" in str(caught.value)
