"""The knowledge graph: RDF schema, source loaders, the Oxigraph store, SPARQL, path search, entity index."""
