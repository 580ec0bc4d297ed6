"""What the Milvus store writes: its collections' schemas, chunk rows with their BM25 weights, and documents,
tables and the manifest cut into JSON pieces; each row knows its file, so a file's rows can be deleted and
written again.

BM25 is computed here, not by Milvus's own analyzer, so that both stores score the same words the same way. A
chunk's sparse vector holds tf / (tf + k1 (1 - b + b dl / avgdl)) for each of its terms (bm25s's "lucene"
variant, with its k1 and b) and a query's holds each term's count times its idf, taken from the generation's
chunks when it is loaded; their inner product is the BM25 score bm25s gives. The idf sits on the query side so
that rows written before an incremental update stay right as the corpus changes; only avgdl is kept from the
last full write (the manifest's `bm25_avgdl`), a drift a full rebuild removes.
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from pymilvus import DataType, MilvusClient

from qa.index.store import IndexData
from qa.records import Chunk
from qa.text.tokens import terms

K1, B = 1.5, 0.75  # bm25s's defaults, which the files store uses
PIECE = 60_000  # characters of ASCII JSON per VARCHAR (at most 65,535 bytes)
EMPTY = "\x00empty"  # the one term of a text without terms, as SparseIndex.build
LAYOUT = 2  # the collections' layout: 2: rows keyed by file and place, idf on the query side, span vectors


def term_id(term: str) -> int:
    """A term's sparse dimension: a 31-bit hash (one tokenizer, no vocabulary to store or keep in step)."""
    return zlib.crc32(term.encode()) & 0x7FFFFFFF


def _terms(text: str) -> list[str]:
    return terms(text) or [EMPTY]


def average_length(texts: Iterable[str]) -> float:
    lengths = [len(_terms(t)) for t in texts]
    return sum(lengths) / max(len(lengths), 1)


def tf_weights(text: str, avgdl: float) -> dict[int, float]:
    """A chunk's sparse vector: each term's saturated frequency, normalised by its length."""
    doc = _terms(text)
    norm = K1 * (1 - B + B * len(doc) / max(avgdl, 1e-9))
    weights: dict[int, float] = {}
    for t, tf in Counter(doc).items():
        weights[term_id(t)] = weights.get(term_id(t), 0.0) + tf / (tf + norm)
    return weights


def idf_of(texts: Iterable[str]) -> dict[int, float]:
    """Each term dimension's idf over the texts (bm25s's: log(1 + (N - n + 0.5) / (n + 0.5)))."""
    df: Counter[int] = Counter()
    total = 0
    for text in texts:
        df.update({term_id(t) for t in _terms(text)})
        total += 1
    return {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in df.items()}


def query_vector(text: str, idf: dict[int, float]) -> dict[int, float]:
    """A question's sparse vector: count times idf of each of its terms the corpus holds."""
    weights: dict[int, float] = {}
    for t in terms(text):
        if (w := idf.get(term_id(t))) is not None:
            weights[term_id(t)] = weights.get(term_id(t), 0.0) + w
    return weights


def row_key(source: str, ordinal: int) -> int:
    """A chunk row's primary key: its file and place in it, hashed to a signed 64-bit integer."""
    digest = hashlib.blake2b(f"{source}\x00{ordinal}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def file_digests(data: IndexData) -> dict[str, str]:
    """What a file contributes, summed up: its text's hash and its chunks and tables (ids carry text hashes)."""
    parts: dict[str, list[str]] = {src: [doc.sha256] for src, doc in data.documents.items()}
    for chunk in data.chunks:
        parts[chunk.source].append(chunk.id)
    for table in data.tables:
        parts[table.source].append(table.id)
    return {src: hashlib.sha1("\n".join(p).encode()).hexdigest() for src, p in parts.items()}


def chunk_rows(data: IndexData, sources: set[str], avgdl: float) -> Iterator[dict[str, Any]]:
    """The chunk rows of the files named, each with its place in its file."""
    place: Counter[str] = Counter()
    for i, chunk in enumerate(data.chunks):
        n = place[chunk.source]
        place[chunk.source] += 1
        if chunk.source in sources:
            yield _chunk_row(chunk, n, data.vectors[i], avgdl)


def _chunk_row(chunk: Chunk, ordinal: int, vector: np.ndarray, avgdl: float) -> dict[str, Any]:
    return {"key": row_key(chunk.source, ordinal), "source": chunk.source, "ordinal": ordinal, "chunk_id": chunk.id,
            "chunk": chunk.to_json(), "dense": [float(x) for x in vector],
            "sparse": tf_weights(chunk.search_text, avgdl) or {term_id(EMPTY): 0.0}}


def pieces(kind: str, name: str, source: str, value: Any) -> Iterator[dict[str, Any]]:
    """A JSON value cut into VARCHAR pieces, keyed by kind, name and part."""
    text = json.dumps(value, ensure_ascii=True)
    for part, start in enumerate(range(0, max(len(text), 1), PIECE)):
        yield {"key": f"{kind}:{source}:{name}:{part}", "kind": kind, "name": name, "source": source, "part": part,
               "body": text[start : start + PIECE], "vec": [0.0, 0.0]}


def file_pieces(data: IndexData, sources: set[str]) -> Iterator[dict[str, Any]]:
    """The documents and tables of the files named; a table is named by its place among its file's tables."""
    for src in sorted(sources):
        yield from pieces("doc", "doc", src, data.documents[src].to_json())
    place: Counter[str] = Counter()
    for table in data.tables:
        n = place[table.source]
        place[table.source] += 1
        if table.source in sources:
            yield from pieces("table", f"{n:09d}", table.source, table.to_json())


def sources_filter(sources: list[str]) -> str:
    """A filter expression matching rows of these files (JSON strings are Milvus string literals)."""
    return f"source in [{', '.join(json.dumps(s, ensure_ascii=False) for s in sources)}]"


def chunk_collection(client: MilvusClient, name: str, dim: int) -> None:
    """The chunk rows of one generation."""
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("key", DataType.INT64, is_primary=True)
    schema.add_field("source", DataType.VARCHAR, max_length=4096)
    schema.add_field("ordinal", DataType.INT64)  # the chunk's place among its file's chunks
    schema.add_field("chunk_id", DataType.VARCHAR, max_length=2048)
    schema.add_field("chunk", DataType.JSON)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    index = client.prepare_index_params()
    index.add_index("dense", index_type="FLAT", metric_type="IP")  # exact, as the files store below 50k
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    client.create_collection(name, schema=schema, index_params=index)


def docs_collection(client: MilvusClient, name: str) -> None:
    """Documents, tables and the manifest of one generation, as JSON pieces."""
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=8192)
    schema.add_field("kind", DataType.VARCHAR, max_length=16)
    schema.add_field("name", DataType.VARCHAR, max_length=64)
    schema.add_field("source", DataType.VARCHAR, max_length=4096)
    schema.add_field("part", DataType.INT64)
    schema.add_field("body", DataType.VARCHAR, max_length=65_535)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=2)  # every collection needs a vector; unused
    index = client.prepare_index_params()
    index.add_index("vec", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=schema, index_params=index)


def span_collection(client: MilvusClient, name: str, dim: int) -> None:
    """The span vectors of one generation (spans.py), by key."""
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("key", DataType.INT64, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
    index = client.prepare_index_params()
    index.add_index("vec", index_type="FLAT", metric_type="IP")
    client.create_collection(name, schema=schema, index_params=index)
