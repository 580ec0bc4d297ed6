"""The index: dense (FAISS) and sparse (BM25) sides, the store of generations, and builds."""
