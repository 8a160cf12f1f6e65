"""Every input adapter on the real QA files in ../shared/data/qa, and the problems bad lines become."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from medreason.datagen.adapters import FORMATS, detect_format, read_records
from medreason.datagen.errors import InputError
from medreason.datagen.records import InputProblem, QARecord

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def mirage_file(shared_data: Path) -> Path:
    return shared_data / "qa/mirage_benchmark.json"


@pytest.fixture(scope="module")
def mirage(mirage_file: Path) -> dict[str, dict[str, Any]]:
    document: dict[str, dict[str, Any]] = json.loads(mirage_file.read_text())
    return document


def records_of(path: Path, **options: Any) -> list[QARecord]:
    items = list(read_records(path, **options))
    assert not [item for item in items if isinstance(item, InputProblem)]
    return [item for item in items if isinstance(item, QARecord)]


def write_lines(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return path


def test_mirage_reads_every_set_with_stable_ids(mirage_file: Path, mirage: dict[str, dict[str, Any]]) -> None:
    records = records_of(mirage_file)

    assert detect_format(mirage_file) == "mirage"
    assert len(records) == sum(len(questions) for questions in mirage.values()) == 7663
    first = next(record for record in records if record.id == "medqa:0000")
    source = mirage["medqa"]["0000"]
    assert first.question == source["question"].strip()
    assert first.options == source["options"]
    assert first.answer_idx == source["answer"]
    assert first.answer == source["options"][source["answer"]]
    assert {record.dataset for record in records} == {"medqa", "medmcqa", "pubmedqa", "bioasq", "mmlu"}


def test_mirage_subsets_keep_the_order_asked(mirage_file: Path) -> None:
    records = records_of(mirage_file, subsets=["bioasq", "pubmedqa"])

    assert [record.dataset for record in records[:1]] == ["bioasq"]
    assert records[-1].dataset == "pubmedqa"
    assert len(records) == 618 + 500
    bioasq = records[0]
    assert bioasq.options == {"A": "yes", "B": "no"}
    assert bioasq.answer in ("yes", "no")


def test_an_unknown_subset_names_the_ones_there_are(mirage_file: Path) -> None:
    with pytest.raises(InputError, match="has no set 'medqa2'.*medqa, medmcqa"):
        read_records(mirage_file, subsets=["medqa2"])


def test_pubmedqa_keeps_the_abstract_and_the_decision(shared_data: Path) -> None:
    path = shared_data / "qa/ori_pqal.json"
    source = json.loads(path.read_text())
    records = records_of(path)

    assert detect_format(path) == "pubmedqa"
    assert len(records) == len(source) == 1000
    first = records[0]
    pmid = next(iter(source))
    assert first.id == f"pubmedqa:{pmid}"
    assert first.question == source[pmid]["QUESTION"]
    assert first.answer == source[pmid]["final_decision"]
    assert first.options == {"A": "yes", "B": "no", "C": "maybe"}
    assert first.options[first.answer_idx or ""] == first.answer
    assert first.context is not None
    assert source[pmid]["CONTEXTS"][0] in first.context
    assert first.context.startswith(f"{source[pmid]['LABELS'][0]}: ")


def test_medreason_lines_from_real_questions(tmp_path: Path, mirage: dict[str, dict[str, Any]]) -> None:
    medqa = list(mirage["medqa"].items())[:20]
    rows = [
        {
            "question": q["question"],
            "options": q["options"],
            "answer_idx": q["answer"],
            "source": "MedQA_USLME_test",
        }
        for _, q in medqa
    ]
    path = write_lines(tmp_path / "eval.jsonl", rows)

    records = records_of(path)

    assert detect_format(path) == "medreason"
    assert len(records) == 20
    assert all(record.dataset == "MedQA_USLME_test" for record in records)
    assert [record.answer_idx for record in records] == [q["answer"] for _, q in medqa]
    again = records_of(path)
    assert [record.id for record in again] == [record.id for record in records]


def test_medreason_eval_document_by_source(tmp_path: Path, mirage: dict[str, dict[str, Any]]) -> None:
    items = [
        {"question": q["question"], "options": q["options"], "answer_idx": q["answer"]}
        for q in list(mirage["mmlu"].values())[:5]
    ]
    path = tmp_path / "eval_data.json"
    path.write_text(json.dumps({"MMLU-Pro_Medical_test": items}))

    records = records_of(path)

    assert detect_format(path) == "medreason"
    assert [record.dataset for record in records] == ["MMLU-Pro_Medical_test"] * 5


def test_medmcqa_lines_one_based_and_zero_based(tmp_path: Path, mirage: dict[str, dict[str, Any]]) -> None:
    source = list(mirage["medmcqa"].items())[:30]

    def row(key: str, q: dict[str, Any], base: int) -> dict[str, Any]:
        options = q["options"]
        return {
            "id": key,
            "question": q["question"],
            "opa": options["A"],
            "opb": options["B"],
            "opc": options["C"],
            "opd": options["D"],
            "cop": "ABCD".index(q["answer"]) + base,
            "subject_name": "Physiology",
        }

    for base in (1, 0):
        path = write_lines(tmp_path / f"medmcqa{base}.jsonl", [row(key, q, base) for key, q in source])
        records = records_of(path)

        assert detect_format(path) == "medmcqa"
        assert [record.id for record in records] == [f"medmcqa:{key}" for key, _ in source]
        assert [record.answer_idx for record in records] == [q["answer"] for _, q in source]


def test_plain_lines_take_a_letter_an_option_text_or_free_text(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "mine.jsonl",
        [
            {
                "id": "q1",
                "question": "Which drug treats gout?",
                "options": ["Allopurinol", "Insulin"],
                "answer": "A",
            },
            {
                "question": "Which drug treats gout?",
                "options": {"a": "Insulin", "b": "Colchicine"},
                "answer": "colchicine",
            },
            {"question": "What does metformin treat?", "answer": "type 2 diabetes mellitus"},
        ],
    )

    records = records_of(path)

    assert detect_format(path) == "jsonl"
    assert records[0].id == "mine:q1"
    assert (records[0].answer, records[0].answer_idx) == ("Allopurinol", "A")
    assert (records[1].answer, records[1].answer_idx) == ("Colchicine", "B")
    assert (records[2].answer, records[2].answer_idx, records[2].options) == (
        "type 2 diabetes mellitus",
        None,
        {},
    )
    assert len(records[1].id_in_dataset) == 16


def test_bad_lines_are_problems_with_their_line_and_the_rest_go_on(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "mixed.jsonl",
        [
            {
                "id": "1",
                "question": "Which drug treats gout?",
                "options": {"A": "Allopurinol"},
                "answer": "A",
            },
            '{"id": "2", "question": "broken',
            {"id": "3", "options": {"A": "x"}, "answer": "A"},
            {"id": "4", "question": "Which?", "options": {"A": "x", "B": "y"}, "answer": "E"},
            "[1, 2]",
            {"id": "1", "question": "Which drug treats gout again?", "answer": "Allopurinol"},
            {"id": "7", "question": "Which drug treats gout?", "answer": "Colchicine"},
        ],
    )

    items = list(read_records(path))

    problems = {item.line: item.message() for item in items if isinstance(item, InputProblem)}
    assert [item.id for item in items if isinstance(item, QARecord)] == ["mixed:1", "mixed:7"]
    assert set(problems) == {2, 3, 4, 5, 6}
    assert problems[2].startswith(f"{path}:2: not JSON")
    assert "missing 'question'" in problems[3]
    assert "neither an option letter nor one option's text" in problems[4]
    assert "expected a JSON object" in problems[5]
    assert f"already read at {path}:1" in problems[6]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ('{"a": {"b": 1}}', "no layout we read"),
        ('{"name": "x"}\n', "no 'question' field"),
    ],
)
def test_files_in_no_known_format_say_what_to_do(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "input.json"
    path.write_text(content)

    with pytest.raises(InputError, match=message):
        read_records(path)


def test_the_official_pubmedqa_labels_file_is_not_a_question_file(shared_data: Path) -> None:
    with pytest.raises(InputError, match="pass --format"):
        read_records(shared_data / "qa/test_ground_truth.json")


def test_format_and_subset_are_checked(tmp_path: Path, shared_data: Path) -> None:
    with pytest.raises(InputError, match="Unknown format 'csv'"):
        read_records(shared_data / "qa/ori_pqal.json", format="csv")
    with pytest.raises(InputError, match="Drop --subset"):
        read_records(shared_data / "qa/ori_pqal.json", subsets=["medqa"])
    with pytest.raises(InputError, match="No input file"):
        read_records(tmp_path / "missing.jsonl")
    assert set(FORMATS) == {"mirage", "medreason", "medmcqa", "pubmedqa", "jsonl"}
