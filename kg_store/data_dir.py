"""A folder of every source, laid out as the project's shared data (`../shared/data/kg`) is.

    kg/
    ├── primekg/kg_fragments.csv, name_triples.tsv
    ├── hetionet/hetionet-v1.0-nodes.tsv, hetionet-v1.0-edges-best-available.sif.gz
    ├── mappings/            the mapping set (`kg_store.mapping_set`)
    └── more/sider4/drugbank-side-effects.tsv.gz, more/repodb/full.csv.gz,
        more/pharmacotherapydb/indications.tsv, more/drugcentral/{indications.tsv, targets.tsv.gz}

`medreason kg build --data-dir DIR` builds "the store of everything" from it (plus HPO), the benchmark
and the tests build the same thing from the same list, so the three can never disagree about what
"everything" is. The Hetionet edges are the best-available file: the 13 complete metaedges plus the
first 5,000 edges of each other one, a superset of the 5K sample.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from medreason.kg_store import catalog
from medreason.kg_store.catalog import Source
from medreason.kg_store.errors import SourceError
from medreason.kg_store.mapping_set import MappingSet, mapping_set

PRIMEKG_ROWS = "primekg/kg_fragments.csv"
PRIMEKG_NAMES = "primekg/name_triples.tsv"
HETIONET_NODES = "hetionet/hetionet-v1.0-nodes.tsv"
HETIONET_EDGES = "hetionet/hetionet-v1.0-edges-best-available.sif.gz"
HETIONET_SAMPLE = "hetionet/hetionet-v1.0-edges-5k.sif.gz"
MAPPINGS = "mappings"
SIDER = "more/sider4/drugbank-side-effects.tsv.gz"
REPODB = "more/repodb/full.csv.gz"
PHARMACOTHERAPYDB = "more/pharmacotherapydb/indications.tsv"
DRUGCENTRAL_INDICATIONS = "more/drugcentral/indications.tsv"
DRUGCENTRAL_TARGETS = "more/drugcentral/targets.tsv.gz"


def everything(directory: Path, *, hpo: bool = True) -> tuple[list[Source], MappingSet]:
    """Every source in `directory` (and HPO unless told not), with its mapping set.

    Raises:
        SourceError: The folder is missing, or lacks a file of the layout (named in the message).
    """
    path = _finder(directory)
    sources = [
        catalog.primekg_csv(path(PRIMEKG_ROWS)),
        catalog.primekg_names(path(PRIMEKG_NAMES)),
        catalog.hetionet(path(HETIONET_NODES), path(HETIONET_EDGES)),
        catalog.sider(path(SIDER)),
        catalog.repodb(path(REPODB)),
        catalog.pharmacotherapydb(path(PHARMACOTHERAPYDB)),
        catalog.drugcentral(path(DRUGCENTRAL_INDICATIONS), path(DRUGCENTRAL_TARGETS)),
    ]
    if hpo:
        sources.append(catalog.hpo())
    return sources, mapping_set(path(MAPPINGS))


def sample(directory: Path, *, hpo: bool = True) -> list[Source]:
    """The sources the shared data was built from before mappings: PrimeKG, Hetionet's 5K sample, HPO.

    What the benchmark compares "everything" against.
    """
    path = _finder(directory)
    sources = [
        catalog.primekg_csv(path(PRIMEKG_ROWS)),
        catalog.primekg_names(path(PRIMEKG_NAMES)),
        catalog.hetionet(path(HETIONET_NODES), path(HETIONET_SAMPLE)),
    ]
    if hpo:
        sources.append(catalog.hpo())
    return sources


def _finder(directory: Path) -> Callable[[str], Path]:
    """Paths inside `directory`, each checked to exist, with an error saying what the layout expects."""
    if not directory.is_dir():
        raise SourceError(f"--data-dir {directory} is not a folder. Pass the shared data's `kg` folder.")

    def path(relative: str) -> Path:
        found = directory / relative
        if not found.exists():
            raise SourceError(
                f"{found} not found: --data-dir expects the shared data's layout (see its README), "
                "or pass each source with its own flag."
            )
        return found

    return path
