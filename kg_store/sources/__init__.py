"""Source loaders: each reads one file format as a stream of `Node`, `Edge` and `Skipped` records.

Loaders never hold a whole file in memory and never touch the store: `kg_store.build` does that.
"""
