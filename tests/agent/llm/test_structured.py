"""Reading a JSON answer leniently, and what a repair request shows the model."""

from __future__ import annotations

from typing import Literal

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from pydantic import BaseModel

from medreason.agent.llm.structured import OutputParseError, parse_output, repair_messages, response_format


class Pick(BaseModel):
    """A multiple-choice answer, with an optional reason."""

    answer: Literal["A", "B", "C", "D"]
    why: str = ""


def test_response_format_carries_the_schema_not_strict() -> None:
    assert response_format(Pick) == {
        "type": "json_schema",
        "json_schema": {"name": "Pick", "schema": Pick.model_json_schema(), "strict": False},
    }


@pytest.mark.parametrize(
    "content",
    [
        '{"answer": "B"}',
        '  ```json\n{"answer": "B"}\n```  ',
        'Here is my answer:\n```\n{"answer": "B"}\n```\nHope it helps.',
        'Sure! {"answer": "B"} is the one.',
        '{"thinking": "hmm"} then {"answer": "B"}',
    ],
)
def test_json_is_found_around_fences_and_prose(content: str) -> None:
    assert parse_output(content, Pick) == Pick(answer="B")


def test_no_json_at_all() -> None:
    with pytest.raises(OutputParseError, match="no JSON object") as caught:
        parse_output("The answer is B.", Pick)
    assert caught.value.answer == "The answer is B."


def test_invalid_json_names_the_field() -> None:
    with pytest.raises(OutputParseError, match="answer: Input should be 'A', 'B', 'C' or 'D'"):
        parse_output('{"answer": "E"}', Pick)


def test_repair_shows_the_answer_the_error_and_the_schema() -> None:
    question = [HumanMessage(content="Which?")]
    repaired = repair_messages(question, '{"answer": "E"}', "answer: not allowed", Pick)
    assert repaired[0] is question[0]
    assert isinstance(repaired[1], AIMessage)
    assert repaired[1].content == '{"answer": "E"}'
    request = repaired[2]
    assert isinstance(request, HumanMessage)
    assert "answer: not allowed" in str(request.content)
    assert '"enum":["A","B","C","D"]' in str(request.content)
