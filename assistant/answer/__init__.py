"""Answering a question: the engine (retrieval, rerank, direct answer), the citation trail,
lookups, follow-ups, definitions and other languages.
"""
