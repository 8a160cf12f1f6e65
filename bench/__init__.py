"""Benchmarks of `kg_store` against the networkx approach MedReason uses, on a PrimeKG-shaped graph."""
