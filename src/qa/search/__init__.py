"""Hybrid retrieval: dense and BM25 candidates fused into ranked hits."""
