"""The registry's LangChain tools: names, schemas, descriptions, and real invocations through LangChain."""

from __future__ import annotations

import json
from typing import get_args

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from medreason.kg_store.store import KGStore
from medreason.kg_store.vocab import NODE_TYPES
from medreason.tools.limits import MAX_HOPS, MAX_LINKS, MAX_TOP_K
from medreason.tools.registry import langchain_tools
from medreason.tools.schemas import NodeType
from medreason.tools.toolkit import KGToolkit

NAMES = [
    "find_entities",
    "link_entity",
    "search_paths",
    "prune_paths",
    "describe_node",
    "neighbours_by_relation",
]


@pytest.fixture
def tools(toy: KGStore) -> dict[str, BaseTool]:
    return {tool.name: tool for tool in langchain_tools(KGToolkit(toy))}


def test_the_six_tools_are_named_and_described_for_a_model(tools: dict[str, BaseTool]) -> None:
    assert list(tools) == NAMES
    for tool in tools.values():
        first_line = tool.description.split("\n")[0]
        assert first_line.endswith(".")
        assert len(first_line) > 40
        assert "Returns" in tool.description or "returns" in tool.description
    assert "\n" not in tools["find_entities"].description.split("\n\n")[1]


def test_schemas_type_and_bound_every_argument(tools: dict[str, BaseTool]) -> None:
    link = tools["link_entity"].tool_call_schema.model_json_schema()
    search = tools["search_paths"].tool_call_schema.model_json_schema()

    assert link["required"] == ["mention"]
    assert link["properties"]["node_type"]["anyOf"][0]["enum"] == list(NODE_TYPES)
    assert link["properties"]["limit"]["maximum"] == MAX_LINKS
    assert search["required"] == ["sources", "targets"]
    assert search["properties"]["max_hops"]["anyOf"][0]["maximum"] == MAX_HOPS
    assert all(prop.get("description") for prop in link["properties"].values())


def test_the_node_type_literal_is_the_vocabulary() -> None:
    assert list(get_args(NodeType)) == list(NODE_TYPES)


def test_tools_run_a_whole_search_through_langchain(tools: dict[str, BaseTool]) -> None:
    question = "Which drug is indicated for type 2 diabetes mellitus?"

    found = tools["find_entities"].invoke({"text": question})
    linked = tools["link_entity"].invoke({"mention": "metformn", "node_type": "drug"})
    iris = [entity["candidates"][0]["iri"] for entity in found["entities"]]
    paths = tools["search_paths"].invoke({"sources": [linked["candidates"][0]["iri"]], "targets": iris})
    pruned = tools["prune_paths"].invoke({"question": question, "top_k": 1})
    described = tools["describe_node"].invoke({"node": iris[0]})

    assert [path["text"] for path in paths["paths"]] == ["Metformin —indication→ type 2 diabetes mellitus"]
    assert [path["id"] for path in pruned["paths"]] == ["p1"]
    assert described["name"] == "type 2 diabetes mellitus"
    for result in (found, linked, paths, pruned, described):
        assert isinstance(result, dict)
        assert json.loads(json.dumps(result)) == result


def test_a_tool_call_comes_back_as_a_json_tool_message(tools: dict[str, BaseTool]) -> None:
    call = {"type": "tool_call", "id": "call-1", "name": "link_entity", "args": {"mention": "asthma"}}

    message = tools["link_entity"].invoke(call)

    assert isinstance(message, ToolMessage)
    assert (message.tool_call_id, message.status) == ("call-1", "success")
    assert json.loads(str(message.content))["candidates"][0]["name"] == "asthma"


def test_arguments_outside_the_schema_come_back_as_an_error_to_act_on(tools: dict[str, BaseTool]) -> None:
    bad_type = json.loads(tools["link_entity"].invoke({"mention": "asthma", "node_type": "illness"}))
    extra = json.loads(tools["describe_node"].invoke({"node": "asthma", "depth": 2}))
    hops = json.loads(tools["search_paths"].invoke({"sources": ["a"], "targets": ["b"], "max_hops": 9}))
    call = {"type": "tool_call", "id": "call-2", "name": "prune_paths", "args": {}}
    message = tools["prune_paths"].invoke(call)

    assert bad_type["error"].startswith("Invalid arguments for link_entity: node_type:")
    assert all(node_type in bad_type["error"] for node_type in NODE_TYPES)
    assert bad_type["hint"].startswith("Call link_entity again with only these arguments: mention (required)")
    assert "depth: Extra inputs are not permitted" in extra["error"]
    assert f"max_hops: Input should be less than or equal to {MAX_HOPS} (got 9)" in hops["error"]
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert "question: Field required" in str(message.content)


def test_the_run_defaults_apply_when_the_model_leaves_them_out(toy: KGStore) -> None:
    toolkit = KGToolkit(toy, max_hops=2, top_k=1)
    tools = {tool.name: tool for tool in langchain_tools(toolkit)}

    none = tools["search_paths"].invoke({"sources": ["Lonely drug"], "targets": ["lonely disease"]})
    tools["search_paths"].invoke({"sources": ["Aspirin", "Metformin"], "targets": ["asthma", "HUB1"]})
    tools["search_paths"].invoke({"sources": ["Metformin"], "targets": ["type 2 diabetes mellitus"]})
    pruned = tools["prune_paths"].invoke({"question": "Is aspirin used in asthma?"})

    assert "No path of at most 2 hops" in none["note"]
    assert len(pruned["paths"]) == 1
    assert pruned["considered"] == 2


def test_the_toolkit_refuses_run_defaults_outside_the_limits(toy: KGStore) -> None:
    for max_hops in (0, MAX_HOPS + 1):
        with pytest.raises(ValueError, match=f"max_hops must be 1 to {MAX_HOPS}"):
            KGToolkit(toy, max_hops=max_hops)
    for top_k in (0, MAX_TOP_K + 1):
        with pytest.raises(ValueError, match=f"top_k must be 1 to {MAX_TOP_K}"):
            KGToolkit(toy, top_k=top_k)
