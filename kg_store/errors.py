"""The errors `kg_store` raises, each saying what to do next.

    KGError
    ├── SourceError           a source file is missing or not in the format its loader reads
    ├── StoreNotFoundError    no built store at the given directory
    ├── StoreExistsError      building into a directory that already holds a store
    ├── QueryError            a SPARQL query is malformed or fails
    │   └── ReadOnlyError     an update (INSERT, DELETE, LOAD, ...) sent where only reads are allowed
    ├── EndpointError         a SPARQL endpoint is unreachable, too slow, failing, or not SPARQL
    ├── EntityIndexError      the entity index is missing or unusable
    ├── ServeError            the Oxigraph server (`medreason kg serve`) is missing or did not start
    ├── FetchError            a download (`medreason kg fetch`) failed or does not verify
    └── EncoderError          an encoder setting is invalid, or an encoder cannot be built or loaded

Third-party errors (pyoxigraph's SyntaxError and OSError, chromadb's, httpx's) are translated at the
boundary with `raise ... from exc`, so callers catch these and nothing else.
"""

from __future__ import annotations


class KGError(Exception):
    """Base of every error this package raises on purpose."""


class SourceError(KGError):
    """A source file is missing or unreadable as the format its loader expects."""


class StoreNotFoundError(KGError):
    """There is no built store at the directory given."""


class StoreExistsError(KGError):
    """A build was pointed at a directory that already holds a store."""


class QueryError(KGError):
    """A SPARQL query could not be parsed or evaluated."""


class ReadOnlyError(QueryError):
    """A SPARQL update was sent to a read-only interface."""


class EntityIndexError(KGError):
    """The entity index is missing, or does not belong to this store."""


class EndpointError(KGError):
    """A remote SPARQL endpoint could not answer: down, too slow, failing, or answering something else."""


class ServeError(KGError):
    """The Oxigraph server could not be found or did not start serving a store."""


class FetchError(KGError):
    """A download could not be completed, or what arrived does not match its known size or checksum."""


class EncoderError(KGError):
    """An encoder setting names nothing we have, or a derived encoder cannot be built or loaded."""
