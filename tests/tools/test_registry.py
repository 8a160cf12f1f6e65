"""`call_tool`, the one entry point: arguments checked by the model of the tool, bad calls as results."""

from __future__ import annotations

from typing import Any

import pytest
from pyoxigraph import Store

from medreason.kg_store.backend import EmbeddedBackend
from medreason.kg_store.store import KGStore
from medreason.tools.limits import MAX_HOPS, MAX_PATH_ENDS, MAX_PATHS, MAX_TOP_K
from medreason.tools.registry import TOOL_NAMES, TOOLS, call_tool, planned_call
from medreason.tools.schemas import SearchPathsInput
from medreason.tools.toolkit import KGToolkit


@pytest.fixture
def toolkit(toy: KGStore) -> KGToolkit:
    return KGToolkit(toy)


def test_the_registry_lists_each_tool_once_with_its_method_model_and_description() -> None:
    assert tuple(TOOLS) == TOOL_NAMES
    for name, spec in TOOLS.items():
        assert spec.name == name == spec.method.__name__
        assert spec.description.split("\n")[0].endswith(".")
        schema = spec.json_schema()
        assert schema["additionalProperties"] is False, "a misspelt argument is refused, not dropped"
        assert set(schema["properties"]) == set(spec.input_model.model_fields)


def test_a_valid_call_runs_the_tool_and_fills_in_the_defaults(toolkit: KGToolkit) -> None:
    outcome = call_tool(
        toolkit, "search_paths", {"sources": ["Metformin"], "targets": ["type 2 diabetes mellitus"]}
    )

    assert outcome.error is None
    assert [path["text"] for path in outcome.result["paths"]] == [
        "Metformin —indication→ type 2 diabetes mellitus"
    ]


@pytest.mark.parametrize(
    ("name", "arguments", "problem"),
    [
        (
            "search_paths",
            {"sources": ["a"], "targets": ["b"], "max_hops": 9},
            "max_hops: Input should be less than or equal to",
        ),
        (
            "search_paths",
            {"sources": ["a"], "targets": ["b"], "max_hops": 0},
            "max_hops: Input should be greater than or equal to 1 (got 0)",
        ),
        (
            "search_paths",
            {"sources": ["a"], "targets": ["b"], "max_hops": True},
            "max_hops: Value error, must be a whole number (got True)",
        ),
        (
            "search_paths",
            {"sources": "Metformin", "targets": ["b"]},
            "sources: Input should be a valid list (got 'Metformin')",
        ),
        ("search_paths", {"sources": [], "targets": ["b"]}, "sources: List should have at least 1 item"),
        ("prune_paths", {"question": "q", "top_k": 99}, "top_k: Input should be less than or equal to"),
        ("describe_node", {"node": "asthma", "depth": 2}, "depth: Extra inputs are not permitted"),
        ("link_entity", {}, "mention: Field required"),
    ],
)
def test_arguments_outside_the_schema_are_a_result_naming_the_field(
    toolkit: KGToolkit, name: str, arguments: dict[str, Any], problem: str
) -> None:
    outcome = call_tool(toolkit, name, arguments)

    assert set(outcome.result) == {"error", "hint"}
    assert outcome.error == outcome.result["error"]
    assert outcome.error.startswith(f"Invalid arguments for {name}: ")
    assert problem in outcome.error
    assert str(outcome.result["hint"]).startswith(f"Call {name} again with only these arguments: ")


def test_the_hint_lists_every_argument_with_its_bounds(toolkit: KGToolkit) -> None:
    hint = call_tool(toolkit, "search_paths", {"sources": "Metformin"}).result["hint"]
    pruning = call_tool(toolkit, "prune_paths", {"top_k": 99}).result["hint"]

    assert hint == (
        f"Call search_paths again with only these arguments: sources (required; a list of at most "
        f"{MAX_PATH_ENDS}), targets (required; a list of at most {MAX_PATH_ENDS}), max_hops (a whole "
        f"number 1 to {MAX_HOPS}), limit (a whole number 1 to {MAX_PATHS})."
    )
    assert f"top_k (a whole number 1 to {MAX_TOP_K})" in str(pruning)


def test_several_bad_fields_are_all_named(toolkit: KGToolkit) -> None:
    error = call_tool(toolkit, "search_paths", {"sources": "Metformin", "max_hops": 9, "depth": 1}).error

    assert error is not None
    for field in ("sources:", "targets: Field required", "max_hops:", "depth:"):
        assert field in error


def test_an_unknown_tool_is_a_result_listing_the_tools(toolkit: KGToolkit) -> None:
    outcome = call_tool(toolkit, "search_pathways", {"sources": ["a"]})

    assert outcome.error == "There is no tool named 'search_pathways'."
    assert outcome.result["hint"] == f"Use one of: {', '.join(TOOL_NAMES)}."


def test_a_kg_failure_is_a_result_saying_what_failed() -> None:
    no_index = KGToolkit(KGStore(EmbeddedBackend(Store())))  # a real store without a directory: no index

    outcome = call_tool(no_index, "link_entity", {"mention": "asthma"})

    assert outcome.error is not None
    assert outcome.error.startswith("EntityIndexError: ")
    assert outcome.result["hint"] == "The knowledge graph could not answer; try another tool."


def test_a_planned_call_is_the_tool_of_its_input_model_with_only_the_fields_set() -> None:
    name, arguments = planned_call(SearchPathsInput(sources=["a"], targets=["b"], max_hops=2))

    assert name == "search_paths"
    assert arguments == {"sources": ["a"], "targets": ["b"], "max_hops": 2}
