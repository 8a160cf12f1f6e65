"""How a text becomes a vector: the shipped all-MiniLM-L6-v2 run by torch or ONNX Runtime, or distilled.

    base.py        the `Encoder` protocol and the catalog of encoder names (what each is, which vectors
                   compare with which)
    settings.py    MEDREASON_ENCODER and friends, validated once
    shipped.py     where the shipped model lives, and its fingerprint (what derived files are built from)
    artifacts.py   files derived locally from the shipped model, built once into a cache, never downloaded
    torch_minilm.py, onnx_minilm.py, static_minilm.py   the encoders
    cache.py       a bounded, thread-safe LRU of text -> vector in front of any encoder, counting its calls

`kg_store.embeddings` is the one entry point the rest of the code uses.
"""
