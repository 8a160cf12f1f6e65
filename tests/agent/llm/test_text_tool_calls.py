"""Tool calls written as text become real tool calls, for offered tools only."""

from __future__ import annotations

from medreason.agent.llm.text_tool_calls import parse_tool_calls

TOOLS = {"find_node", "find_paths"}


def names_and_args(text: str) -> list[tuple[str, dict[str, object]]]:
    return [(call["name"], call["args"]) for call in parse_tool_calls(text, TOOLS)]


def test_fenced_json_block() -> None:
    text = 'I will look it up.\n```json\n{"name": "find_node", "arguments": {"mention": "aspirin"}}\n```'
    assert names_and_args(text) == [("find_node", {"mention": "aspirin"})]


def test_tool_call_tags_and_unclosed_last_block() -> None:
    text = (
        '<tool_call>\n{"name": "find_node", "arguments": {"mention": "asthma"}}\n</tool_call>\n'
        '<tool_call>{"name": "find_paths", "arguments": {"source": "a", "target": "b"}}'
    )
    assert names_and_args(text) == [
        ("find_node", {"mention": "asthma"}),
        ("find_paths", {"source": "a", "target": "b"}),
    ]


def test_several_calls_in_order_across_shapes() -> None:
    text = (
        'First {"tool": "find_node", "args": {"mention": "fever"}} then\n'
        '```\n{"function": {"name": "find_paths", "arguments": {"source": "x", "target": "y"}}}\n```\n'
        'and [{"name": "find_node", "parameters": {"mention": "cough"}}]'
    )
    assert names_and_args(text) == [
        ("find_node", {"mention": "fever"}),
        ("find_paths", {"source": "x", "target": "y"}),
        ("find_node", {"mention": "cough"}),
    ]


def test_arguments_as_a_json_string() -> None:
    text = '{"function": {"name": "find_node", "arguments": "{\\"mention\\": \\"gout\\"}"}}'
    assert names_and_args(text) == [("find_node", {"mention": "gout"})]


def test_llama_cpp_generic_wrapper_and_missing_arguments() -> None:
    text = '{"tool_call": {"name": "find_paths"}}'
    assert names_and_args(text) == [("find_paths", {})]


def test_unknown_tool_names_are_ignored() -> None:
    text = (
        '```json\n{"name": "delete_graph", "arguments": {}}\n```\n'
        '{"name": "find_node", "arguments": {"mention": "x"}}'
    )
    assert names_and_args(text) == [("find_node", {"mention": "x"})]


def test_unusable_arguments_drop_the_call() -> None:
    assert names_and_args('{"name": "find_node", "arguments": "not json"}') == []
    assert names_and_args('{"name": "find_node", "arguments": [1, 2]}') == []


def test_prose_without_calls_gives_none() -> None:
    text = 'Aspirin inhibits COX-1 [1]. The answer is {B}; see {"note": "no call here"}.'
    assert parse_tool_calls(text, TOOLS) == []


def test_each_call_gets_its_own_id() -> None:
    one = '{"name": "find_node", "arguments": {"mention": "%s"}}'
    text = f"{one % 'a'} {one % 'b'}"
    calls = parse_tool_calls(text, TOOLS)
    ids = [call["id"] for call in calls]
    assert len(ids) == 2
    assert len(set(ids)) == 2
    assert all(isinstance(i, str) and i.startswith("call_") for i in ids)
    assert all(call["type"] == "tool_call" for call in calls)
