"""Embeddings, dense (FAISS) and sparse (bm25s) retrieval, fusion, and the on-disk index.

Entry points: `index.writer.write_index`, `index.store.SearchIndex`, `index.embedder.load_embedder`.
"""
