"""Sentence embeddings: the embedder, the fast query encoder and micro-batching of queries."""
