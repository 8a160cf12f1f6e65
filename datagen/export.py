r"""Accepted samples as training files: MedReason's SFT layout, or chat messages.

Both layouts share the prompt and the response. The prompt is the question (after the record's context,
PubMedQA's abstract, when it has one) followed by its options as MedReason writes them:

    {context, when given: "Context:\n<abstract>\n\n"}<question>
    Answer Choices:
    A. <option A>
    B. <option B>

The response is the reasoning under `## Thinking`, then the gold answer (its letter first, for a
multiple-choice question) under `## Final Answer`:

    ## Thinking

    <reasoning>

    ## Final Answer
    B. <option B>

`--to sft`, one object per line, readable by MedReason's SFT script (`question`, `reasoning`, `answer`)
and by Alpaca-style loaders (`instruction`, `input`, `output`):

    {"id", "dataset_name", "question": <prompt>, "reasoning", "answer": <final answer>,
     "instruction": <prompt>, "input": "", "output": <response>}

`--to messages`, one chat per line, the layout of OpenAI-style and TRL / axolotl chat fine-tuning:

    {"id", "messages": [{"role": "system", "content": SYSTEM_PROMPT},
                        {"role": "user", "content": <prompt>},
                        {"role": "assistant", "content": <response>}]}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from medreason.datagen.atomic import atomic_output
from medreason.datagen.errors import InputError, OutputError
from medreason.datagen.journal import read_rows

ExportFormat = Literal["sft", "messages"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)
SYSTEM_PROMPT = (
    "You are a medical expert. Reason step by step from established medical knowledge, "
    "then give the final answer."
)


def export(source: Path, *, to: ExportFormat, output: Path) -> int:
    """Write the accepted samples of `source` to `output` in layout `to`; return how many.

    The file is written under a temporary name and renamed at the end, so it is whole or absent.

    Raises:
        InputError: `source` does not exist.
        OutputError: `output` is `source`, or cannot be written.
    """
    if to not in EXPORT_FORMATS:
        raise OutputError(f"Unknown export layout {to!r}: use one of {', '.join(EXPORT_FORMATS)}.")
    if not source.is_file():
        raise InputError(f"No datagen output at {source}. Run `medreason datagen` first, or check the path.")
    if output.resolve() == source.resolve():
        raise OutputError(f"Exporting {source} onto itself would destroy it: choose another --output.")
    count = 0
    with atomic_output(output) as handle:
        for row in read_rows(source):
            line = sft_line(row) if to == "sft" else messages_line(row)
            handle.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
            count += 1
    return count


def prompt_text(row: Mapping[str, Any]) -> str:
    """The question as a model is asked it: context, question, then `Answer Choices:`."""
    text = str(row["question"]).strip()
    context = row.get("context")
    if context:
        text = f"Context:\n{str(context).strip()}\n\n{text}"
    options: Mapping[str, Any] = row.get("options") or {}
    if options:
        text += "\nAnswer Choices:\n" + "\n".join(f"{letter}. {option}" for letter, option in options.items())
    return text


def final_answer(row: Mapping[str, Any]) -> str:
    """The gold answer as the response ends with it: `B. <text>`, or the text of an open answer."""
    letter = row.get("answer_idx")
    return f"{letter}. {row['answer']}" if letter else str(row["answer"])


def response_text(row: Mapping[str, Any]) -> str:
    """`## Thinking` with the reasoning, then `## Final Answer` with the gold answer."""
    return f"## Thinking\n\n{str(row['reasoning']).strip()}\n\n## Final Answer\n{final_answer(row)}"


def sft_line(row: Mapping[str, Any]) -> dict[str, Any]:
    """One accepted row in the SFT layout (see the module docstring)."""
    prompt = prompt_text(row)
    return {
        "id": row.get("id"),
        "dataset_name": row.get("dataset_name"),
        "question": prompt,
        "reasoning": row["reasoning"],
        "answer": final_answer(row),
        "instruction": prompt,
        "input": "",
        "output": response_text(row),
    }


def messages_line(row: Mapping[str, Any]) -> dict[str, Any]:
    """One accepted row as a system / user / assistant chat."""
    return {
        "id": row.get("id"),
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": prompt_text(row)},
            {"role": "assistant", "content": response_text(row)},
        ],
    }
