"""Small source and mapping files for identity tests: one disease under two ids, conflicting mappings."""

from __future__ import annotations

import gzip
from pathlib import Path

from medreason.kg_store import catalog


def write_sources(root: Path) -> list[catalog.Source]:
    """A disease described by PharmacotherapyDB (DOID) and repoDB (UMLS), and a SIDER side effect."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "indications.tsv").write_text(
        "doid_id\tdrugbank_id\tdisease\tdrug\tcategory\n"
        "DOID:1\tDB00001\tdisease one\tLepirudin\tDM\n"
        "DOID:2\tDB00001\tdisease two\tLepirudin\tSYM\n"
    )
    (root / "full.csv").write_text(
        '"drug_name","drug_id","ind_name","ind_id","NCT","status","phase","DetailedStatus"\n'
        '"Cetuximab","DB00002","Disease One","C0000001",NA,"Approved",NA,NA\n'
    )
    with gzip.open(root / "side-effects.tsv.gz", "wt") as handle:
        handle.write("drugbank_id\tdrugbank_name\tumls_cui_from_meddra\tside_effect_name\n")
        handle.write("DB00002\tCetuximab\tC0000009\tRash\n")
    return [
        catalog.pharmacotherapydb(root / "indications.tsv"),
        catalog.repodb(root / "full.csv"),
        catalog.sider(root / "side-effects.tsv.gz"),
    ]


def write_mappings(root: Path) -> Path:
    """DOID:1 and UMLS C0000001 are MONDO 11; DOID:2 maps to two; the side effect only to a disease."""
    folder = root / "mappings"
    folder.mkdir(parents=True)
    (folder / "mondo_references.csv").write_text(
        "ontology_id,ontology,mondo_id\n"
        "1,DOID,0000011\n"
        "C0000001,UMLS,0000011\n"
        "2,DOID,0000021\n"
        "2,DOID,0000022\n"
        "C0000009,UMLS,0000031\n"
        "3,DOID,0000012\n"
    )
    (folder / "kg_grouped_diseases.csv").write_text(
        "node_id,node_type,node_name,node_source,group_name_auto,group_name_bert\n"
        "11,disease,first disease,MONDO,first disease,first disease\n"
    )
    return folder
