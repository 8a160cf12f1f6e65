"""The shapes of the ids the drug sources share, checked before an id becomes an IRI."""

from __future__ import annotations

import re

_DRUGBANK = re.compile(r"DB\d{5}")
_UMLS = re.compile(r"C\d{7}")
_DOID = re.compile(r"DOID:\d+")


def is_drugbank_id(text: str) -> bool:
    """`DB00316`."""
    return _DRUGBANK.fullmatch(text) is not None


def is_umls_cui(text: str) -> bool:
    """`C0020538`."""
    return _UMLS.fullmatch(text) is not None


def is_doid(text: str) -> bool:
    """`DOID:9352`."""
    return _DOID.fullmatch(text) is not None
