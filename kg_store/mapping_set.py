"""The files of `medreason kg build --mappings DIR`: which are read, what each gives, and which file wins.

    DIR/
    ├── mondo_references.csv.gz          PrimeKG's own MONDO cross-references: identity, rank 0 (primary)
    ├── kg_grouped_diseases.csv.gz       PrimeKG's names of its MONDO disease nodes: their labels, rank 0
    ├── mondo/*.sssom.tsv.gz             MONDO's exact-match sets: identity, rank 1, and their labels as names
    ├── *.sssom.tsv.gz                   other SSSOM sets (biomappings): identity, rank 2, and labels
    ├── *_to_primekg.tsv                 derived id -> PrimeKG disease tables: identity, rank 3 (gaps only)
    ├── doid-term-names.tsv.gz           Disease Ontology names and exact synonyms
    └── drug_name_variants.tsv.gz        drug name variants (brand names) of DrugBank drugs

Any of them may be absent (and uncompressed); a folder with none of them is an error, since a
`--mappings` that maps nothing is a mistake worth hearing about. Without `--mappings` a build merges
only nodes that share an id, as the quick start's HPO store does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from medreason.kg_store.errors import SourceError
from medreason.kg_store.records import Mapping, Skipped, Synonym
from medreason.kg_store.sources.mappings import (
    read_mondo_references,
    read_primekg_crosswalk,
    read_primekg_disease_names,
    read_sssom,
)
from medreason.kg_store.sources.synonyms import read_doid_names, read_drug_name_variants

MappingReader = Callable[[Path], Iterator[Mapping | Synonym | Skipped]]


@dataclass(frozen=True, slots=True)
class MappingFile:
    """One file of the set, how to read it, and its identity rank (None: it gives names only)."""

    path: Path
    rank: int | None
    read: MappingReader


_LAYOUT: tuple[tuple[str, int | None, MappingReader], ...] = (
    ("mondo_references.csv*", 0, read_mondo_references),
    ("kg_grouped_diseases.csv*", 0, read_primekg_disease_names),
    ("mondo/*.sssom.tsv*", 1, read_sssom),
    ("*.sssom.tsv*", 2, read_sssom),
    ("*_to_primekg.tsv*", 3, read_primekg_crosswalk),
    ("doid-term-names.tsv*", None, read_doid_names),
    ("drug_name_variants.tsv*", None, read_drug_name_variants),
)


@dataclass(frozen=True, slots=True)
class MappingSet:
    """The mapping and name files found in one `--mappings` folder, in the order they are read."""

    directory: Path
    files: tuple[MappingFile, ...]


def mapping_set(directory: Path) -> MappingSet:
    """The mapping files in `directory`, laid out as this module's docstring draws.

    Raises:
        SourceError: The folder does not exist, or holds none of the files a mapping set is made of.
    """
    if not directory.is_dir():
        raise SourceError(
            f"--mappings {directory} is not a folder. Pass the folder that holds the mapping files."
        )
    files = [
        MappingFile(path, rank, read)
        for pattern, rank, read in _LAYOUT
        for path in sorted(directory.glob(pattern))
        if path.is_file()
    ]
    if not files:
        expected = ", ".join(pattern for pattern, _, _ in _LAYOUT)
        raise SourceError(f"No mapping file in {directory}: expected any of {expected}.")
    return MappingSet(directory, tuple(files))
