"""LLM settings, read once from the environment by `Settings`: defaults, flags, every bad value named."""

from __future__ import annotations

from pathlib import Path

import pytest

from medreason.agent.errors import LLMConfigError, SettingsError
from medreason.agent.llm import LLMSettings
from medreason.agent.llm.settings import DEFAULT_MAX_TOKENS
from medreason.agent.settings import Settings


def _llm(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], **flags: object) -> LLMSettings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings.load(**flags).llm_settings()


def test_defaults_run_without_a_model() -> None:
    settings = Settings.load().llm_settings()
    assert settings == LLMSettings()
    assert (settings.backend, settings.timeout, settings.max_retries, settings.temperature) == (
        "none",
        60.0,
        2,
        0.0,
    )
    assert (settings.top_p, settings.seed, settings.slots, settings.threads) == (None, None, 1, None)
    assert settings.trace_text, "prompts and replies are kept unless switched off"


def test_sampling_local_server_and_trace_text_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _llm(
        monkeypatch,
        {
            "MEDREASON_LLM": "local",
            "MEDREASON_LLM_TEMPERATURE": "0.7",
            "MEDREASON_LLM_TOP_P": "0.9",
            "MEDREASON_LLM_SEED": "42",
            "MEDREASON_LLM_SLOTS": "4",
            "MEDREASON_LLM_THREADS": "2",
            "MEDREASON_LLM_TRACE_TEXT": "false",
        },
    )
    assert (settings.temperature, settings.top_p, settings.seed) == (0.7, 0.9, 42)
    assert (settings.slots, settings.threads, settings.trace_text) == (4, 2, False)
    assert settings.timeout == 900.0, "a local model on a CPU gets a long default timeout"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("MEDREASON_LLM_TEMPERATURE", "3", "MEDREASON_LLM_TEMPERATURE"),
        ("MEDREASON_LLM_TOP_P", "0", "MEDREASON_LLM_TOP_P"),
        ("MEDREASON_LLM_SLOTS", "0", "MEDREASON_LLM_SLOTS"),
        ("MEDREASON_LLM_THREADS", "0", "MEDREASON_LLM_THREADS"),
    ],
)
def test_bad_sampling_and_server_values_name_their_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    with pytest.raises(LLMConfigError, match=named):
        _llm(monkeypatch, {variable: value})


def test_openai_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _llm(
        monkeypatch,
        {
            "MEDREASON_LLM": "OpenAI",
            "OPENAI_BASE_URL": "http://127.0.0.1:8000/v1",
            "OPENAI_API_KEY": "sk-secret",
            "MEDREASON_MODEL": "qwen2.5-7b",
            "MEDREASON_LLM_TIMEOUT": "12.5",
            "MEDREASON_LLM_RETRIES": "0",
            "MEDREASON_LLM_MAX_TOKENS": "256",
            "MEDREASON_LLM_CTX": "2048",
        },
    )
    assert settings.backend == "openai"
    assert settings.base_url == "http://127.0.0.1:8000/v1"
    assert settings.model == "qwen2.5-7b"
    assert settings.api_key == "sk-secret"
    assert (settings.timeout_s, settings.max_retries, settings.max_tokens) == (12.5, 0, 256)
    assert settings.context_size == 2048
    assert "sk-secret" not in repr(settings)
    assert "sk-secret" not in repr(Settings.load())


def test_an_answer_is_capped_unless_the_limit_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _llm(monkeypatch, {"MEDREASON_LLM": "local"}).max_tokens == DEFAULT_MAX_TOKENS
    chosen = _llm(monkeypatch, {"MEDREASON_LLM": "local", "MEDREASON_LLM_MAX_TOKENS": "4096"})
    assert chosen.max_tokens == 4096


def test_the_official_api_needs_only_a_key_and_a_model(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _llm(
        monkeypatch, {"MEDREASON_LLM": "openai", "OPENAI_API_KEY": "sk-x", "MEDREASON_MODEL": "gpt-4o-mini"}
    )
    assert settings.base_url is None
    assert settings.api_key == "sk-x"


def test_local_names_the_gguf_file(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _llm(monkeypatch, {"MEDREASON_LLM": "local"}).gguf is None
    chosen = _llm(monkeypatch, {"MEDREASON_GGUF": "~/models/qwen-0.5b.gguf"})
    assert chosen.gguf == Path("~/models/qwen-0.5b.gguf").expanduser()


def test_flags_win_and_none_flags_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"MEDREASON_LLM": "none", "MEDREASON_MODEL": "from-env", "OPENAI_BASE_URL": "http://h/v1"}
    settings = _llm(monkeypatch, env, llm="openai", model=None, llm_timeout=5)
    assert settings.backend == "openai"
    assert settings.model == "from-env"
    assert settings.timeout_s == 5


def test_the_environment_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings.load()
    monkeypatch.setenv("MEDREASON_LLM", "local")
    assert settings.llm_settings().backend == "none", "a later change of the environment changes nothing"
    assert settings.with_flags(llm="local").llm_settings().backend == "local"


def test_empty_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _llm(monkeypatch, {"MEDREASON_LLM": "", "MEDREASON_LLM_TIMEOUT": ""}) == LLMSettings()


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"MEDREASON_LLM": "gpt"}, "MEDREASON_LLM"),
        ({"MEDREASON_LLM_TIMEOUT": "soon"}, "MEDREASON_LLM_TIMEOUT"),
        ({"MEDREASON_LLM_RETRIES": "two"}, "MEDREASON_LLM_RETRIES"),
        ({"MEDREASON_LLM_CTX": "big"}, "MEDREASON_LLM_CTX"),
    ],
)
def test_an_unreadable_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        _llm(monkeypatch, env)
    assert str(caught.value).startswith(f"{variable}: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"MEDREASON_LLM_TIMEOUT": "0"}, "MEDREASON_LLM_TIMEOUT"),
        ({"MEDREASON_LLM_TIMEOUT": "nan"}, "MEDREASON_LLM_TIMEOUT"),
        ({"MEDREASON_LLM_RETRIES": "-1"}, "MEDREASON_LLM_RETRIES"),
        ({"MEDREASON_LLM_MAX_TOKENS": "0"}, "MEDREASON_LLM_MAX_TOKENS"),
        ({"MEDREASON_LLM": "openai", "OPENAI_BASE_URL": "http://h/v1"}, "MEDREASON_MODEL"),
        ({"MEDREASON_LLM": "openai", "MEDREASON_MODEL": "m"}, "OPENAI_BASE_URL"),
    ],
)
def test_an_unusable_backend_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], variable: str
) -> None:
    with pytest.raises(LLMConfigError, match=variable) as caught:
        _llm(monkeypatch, env)
    assert caught.value.step == ""


def test_an_invalid_flag_is_rejected_too() -> None:
    with pytest.raises(SettingsError, match="MEDREASON_LLM: Input should be 'none', 'openai' or 'local'"):
        Settings.load().with_flags(llm="remote")


def test_openai_without_an_endpoint_says_both_ways_to_fix_it() -> None:
    with pytest.raises(LLMConfigError) as caught:
        LLMSettings(backend="openai", model="m")
    assert "OPENAI_BASE_URL" in str(caught.value)
    assert "OPENAI_API_KEY" in str(caught.value)
