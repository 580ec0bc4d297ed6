"""Benchmarks of qa: latency, building, scale, answer quality and a side-by-side with txtai."""
