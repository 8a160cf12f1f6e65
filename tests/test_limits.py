"""One value per limit: a model's tool call, an HTTP request and a command line take the same bounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medreason.cli.main import app
from medreason.server.main import create_app
from medreason.server.settings import ServerSettings
from medreason.tools.limits import DEFAULT_MAX_HOPS, MAX_HOPS, MAX_TOP_K
from medreason.tools.registry import TOOLS

OPENAPI = create_app(ServerSettings.model_construct(store=Path("unused"))).openapi()
MISSING = "no-store"
"""A store (and input files) that do not exist: a command that accepts its options stops there, exit 1."""
COMMANDS = {
    "ask": ["ask", "What treats asthma?", "--store", MISSING],
    "datagen": ["datagen", "--store", MISSING, "--input", "qa.jsonl", "--output", "out.jsonl"],
    "eval": ["eval", "--store", MISSING, "--input", "qa.jsonl", "--report", "report"],
    "kg paths": ["kg", "paths", "asthma", "albuterol", "--store", MISSING],
}
BOUNDED = [(command, "--max-hops", MAX_HOPS) for command in COMMANDS] + [
    (command, "--top-k", MAX_TOP_K) for command in ("ask", "datagen", "eval")
]


def _maximum(schema: dict[str, Any]) -> int:
    """The maximum of an integer property, optional (`anyOf` with null) or not."""
    maximum: int = schema.get("anyOf", [schema])[0]["maximum"]
    return maximum


def test_the_tools_and_the_http_api_bound_max_hops_and_top_k_alike() -> None:
    schemas = OPENAPI["components"]["schemas"]
    path_search = OPENAPI["paths"]["/v1/paths"]["get"]["parameters"]
    hops_query = next(param["schema"] for param in path_search if param["name"] == "max_hops")

    for request in ("ChatRequest", "CompletionRequest"):
        assert _maximum(schemas[request]["properties"]["max_hops"]) == MAX_HOPS
        assert _maximum(schemas[request]["properties"]["top_k"]) == MAX_TOP_K
    assert (_maximum(hops_query), hops_query["default"]) == (MAX_HOPS, DEFAULT_MAX_HOPS)
    assert _maximum(TOOLS["search_paths"].json_schema()["properties"]["max_hops"]) == MAX_HOPS
    assert _maximum(TOOLS["prune_paths"].json_schema()["properties"]["top_k"]) == MAX_TOP_K


@pytest.mark.parametrize(("command", "option", "limit"), BOUNDED)
def test_every_command_takes_the_limit_and_refuses_one_more(
    command: str, option: str, limit: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    at_limit = runner.invoke(app, [*COMMANDS[command], option, str(limit)])
    over = runner.invoke(app, [*COMMANDS[command], option, str(limit + 1)])

    assert at_limit.exit_code == 1, at_limit.output
    assert at_limit.output.startswith("error: No "), "accepted, then stopped at the missing files"
    assert over.exit_code == 2
    assert f"less than or equal to {limit}" in over.output
