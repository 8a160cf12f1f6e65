"""The knowledge graph: schema, loaders, the store (in process or over SPARQL), path search, entity index."""
