"""PrimeKG's `kg.csv`: the 12-column edge list with both ends' ids, names, types and sources.

Streams the file row by row (the full file is 8.1M rows, ~1 GB), so memory stays bounded by the set
of node IRIs already emitted (~130K), never by the number of rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from medreason.kg_store.records import Edge, Node, Record, Skipped
from medreason.kg_store.sources.files import open_text
from medreason.kg_store.sources.primekg_schema import stored_direction
from medreason.kg_store.vocab import NODE_TYPES, Relation, node_iri

COLUMNS = (
    "relation",
    "display_relation",
    "x_index",
    "x_id",
    "x_type",
    "x_name",
    "x_source",
    "y_index",
    "y_id",
    "y_type",
    "y_name",
    "y_source",
)
SOURCE_DATABASE = "primekg"


def read_primekg_csv(path: Path) -> Iterator[Record]:
    """Yield each node once and each edge in its stored direction; bad rows as `Skipped`."""
    seen: set[str] = set()
    with open_text(path, "PrimeKG kg.csv") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(column.strip() for column in header) != COLUMNS:
            yield Skipped(
                path.name, 1, f"header is not PrimeKG's kg.csv header ({','.join(COLUMNS)}); file skipped"
            )
            return
        for row in reader:
            line = reader.line_num
            problem = _row_problem(row)
            if problem:
                yield Skipped(path.name, line, problem)
                continue
            relation, display, _, x_id, x_type, x_name, x_source, _, y_id, y_type, y_name, y_source = row
            x = node_iri(x_source, x_id)
            y = node_iri(y_source, y_id)
            for iri, name, node_type, source, source_id in (
                (x, x_name, x_type, x_source, x_id),
                (y, y_name, y_type, y_source, y_id),
            ):
                if iri.value not in seen:
                    seen.add(iri.value)
                    yield Node(iri, name.strip(), node_type, source, source_id.strip())
            edge_relation = Relation(relation, display or relation)
            head, tail = stored_direction(edge_relation, x, x_type, y, y_type)
            yield Edge(head, edge_relation, tail, SOURCE_DATABASE)


def _row_problem(row: list[str]) -> str | None:
    """Why a row cannot be loaded, or None when it can (checked first the quick way: 8.1M rows)."""
    if (
        len(row) == len(COLUMNS)
        and row[4] in NODE_TYPES
        and row[9] in NODE_TYPES
        and row[0]
        and "" not in row[2:]
    ):
        return None
    if len(row) != len(COLUMNS):
        return f"expected {len(COLUMNS)} columns, found {len(row)}"
    for column, value in zip(COLUMNS, row, strict=True):
        if column != "display_relation" and not value.strip():
            return f"empty {column}"
    for column in ("x_type", "y_type"):
        value = row[COLUMNS.index(column)]
        if value not in NODE_TYPES:
            return f"unknown {column} {value!r}"
    return None
