"""Embeddings, dense (FAISS) and sparse (bm25s) retrieval, fusion, and the on-disk index.

Entry points: `index.store.write_index`, `index.store.SearchIndex`, `index.embedder.load_embedder`.
"""
