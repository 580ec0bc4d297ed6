"""The Milvus store (`QA_STORE=milvus`, pymilvus; Milvus Lite for a file path, a server or cluster for a URL).

Each generation is three collections: `<prefix>_g<time>_<id>` holds the chunks (row number, id, source, the whole
chunk as JSON so any chunk field travels, its dense vector, and its BM25 weights as a sparse vector over the terms
of the one tokenizer, `qa.text.tokens`), `..._docs` the documents, tables and manifest as JSON pieces, and
`..._spans` the span vectors (spans.py).
The alias `<prefix>_current` names the chunk collection in use and is switched atomically after a generation is
written whole, so a rebuild never shows a half-written index; the previous generation stays for requests still
on it, older ones are dropped.

BM25 is computed here, not by Milvus's own analyzer, so that both stores score the same words the same way: a
chunk's sparse vector holds idf(t) * tf / (tf + k1 (1 - b + b dl / avgdl)) for each of its terms (bm25s's
"lucene" variant, with its k1 and b) and a query's holds each term's count, so their inner product is the BM25
score bm25s gives. Searches name the generation's collection, not the alias: a request stays on one generation.
"""

from __future__ import annotations

import json
import math
import threading
import uuid
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pymilvus import DataType, MilvusClient, MilvusException

from qa.index.retrievers import Ranked, Rows
from qa.index.spans import SpanTable
from qa.index.store import IndexData, IndexUnavailable, LoadedIndex, compatible
from qa.records import Chunk, Document, Vectors
from qa.settings import Settings
from qa.tables.model import Table
from qa.text.tokens import terms

K1, B = 1.5, 0.75  # bm25s's defaults, which the files store uses
PIECE = 60_000  # characters of ASCII JSON per VARCHAR (at most 65,535 bytes)
INSERT_BATCH = 1_000
KEEP = 2  # generations kept: the new one and the one requests may still be on
_clients: dict[tuple[str, str], MilvusClient] = {}
_clients_lock = threading.Lock()


def term_id(term: str) -> int:
    """A term's sparse dimension: a 31-bit hash (one tokenizer, no vocabulary to store or keep in step)."""
    return zlib.crc32(term.encode()) & 0x7FFFFFFF


def bm25_vectors(texts: list[str]) -> list[dict[int, float]]:
    """Each text's BM25 weights by term dimension, over the statistics of all `texts`."""
    docs = [terms(t) or ["\x00empty"] for t in texts]  # as SparseIndex.build
    avgdl = sum(map(len, docs)) / max(len(docs), 1)
    df = Counter(t for d in docs for t in set(d))
    idf = {t: math.log(1 + (len(docs) - n + 0.5) / (n + 0.5)) for t, n in df.items()}
    out = []
    for doc in docs:
        norm = K1 * (1 - B + B * len(doc) / avgdl)
        weights: dict[int, float] = {}
        for t, tf in Counter(doc).items():
            weights[term_id(t)] = weights.get(term_id(t), 0.0) + idf[t] * tf / (tf + norm)
        out.append(weights)
    return out


def query_vector(text: str) -> dict[int, float]:
    counts: dict[int, float] = {}
    for t in terms(text):
        counts[term_id(t)] = counts.get(term_id(t), 0.0) + 1.0
    return counts


def client_for(settings: Settings) -> MilvusClient:
    """One client per URI and token in a process (Milvus Lite runs one embedded server per file)."""
    uri = settings.milvus_uri
    if not uri.startswith(("http://", "https://", "tcp://", "unix:")):
        Path(uri).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        uri = str(Path(uri).expanduser().resolve())
    token = settings.milvus_token.get_secret_value() if settings.milvus_token else ""
    with _clients_lock:
        if (uri, token) not in _clients:
            try:
                _clients[uri, token] = MilvusClient(uri=uri, token=token)
            except Exception as exc:  # pymilvus raises several kinds for a server that cannot be reached
                raise IndexUnavailable(f"cannot reach Milvus at {settings.milvus_uri}: {exc}") from exc
        return _clients[uri, token]


class MilvusSearch:
    """Dense and BM25 search in one generation's chunk collection."""

    def __init__(self, client: MilvusClient, collection: str, size: int) -> None:
        self.client, self.collection, self.size = client, collection, size

    def _search(self, data: Any, field: str, k: int, allowed: Rows | None) -> Ranked:
        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return [], []
        expr = "" if allowed is None else f"row in {[int(i) for i in allowed]}"
        found = self.client.search(self.collection, data=[data], anns_field=field, limit=k, filter=expr,
                                   output_fields=["row"], search_params={"metric_type": "IP"})[0]
        return [int(h["entity"]["row"]) for h in found], [float(h["distance"]) for h in found]

    def dense(self, query: Vectors, k: int, allowed: Rows | None = None) -> Ranked:
        return self._search([float(x) for x in query[0]], "dense", k, allowed)

    def sparse(self, text: str, k: int, allowed: Rows | None = None) -> Ranked:
        vector = query_vector(text)
        if not vector:
            return [], []
        ids, scores = self._search(vector, "sparse", k, allowed)
        keep = [(i, s) for i, s in zip(ids, scores, strict=True) if s > 0]
        return [i for i, _ in keep], [s for _, s in keep]


def _pieces(kind: str, name: str, value: Any) -> Iterator[dict[str, Any]]:
    text = json.dumps(value, ensure_ascii=True)
    for part, start in enumerate(range(0, max(len(text), 1), PIECE)):
        yield {"key": f"{kind}:{name}:{part}", "kind": kind, "name": name, "part": part,
               "body": text[start : start + PIECE], "vec": [0.0, 0.0]}


class MilvusStore:
    """Generations as collections behind an alias (see the module's docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.client = client_for(settings)
        self.prefix = settings.milvus_collection
        self.alias = f"{self.prefix}_current"

    def current(self) -> str:
        try:  # listed first: describing a missing alias logs an error in pymilvus
            if self.alias not in self.client.list_aliases().get("aliases", []):
                return ""
            return str(self.client.describe_alias(self.alias)["collection_name"])
        except MilvusException:
            return ""

    def previous(self, model: str) -> tuple[IndexData | None, str]:
        name = self.current()
        if not name:
            return None, ""
        data = self._read(name)
        why = compatible(data.manifest, model)
        return (None, why) if why else (data, "")

    def load(self) -> LoadedIndex:
        name = self.current()
        if not name:
            raise IndexUnavailable(f"no index in Milvus (alias {self.alias}); run `qa index` first")
        data = self._read(name)
        return LoadedIndex(data, MilvusSearch(self.client, name, len(data.chunks)), Path(name))

    def write(self, data: IndexData, settings: Settings) -> str:
        name = f"{self.prefix}_g{datetime.now(UTC):%Y%m%d%H%M%S%f}_{uuid.uuid4().hex[:6]}"
        try:
            self._create(name, data)
        except BaseException:
            for collection in _parts_of(name):
                if self.client.has_collection(collection):
                    self.client.drop_collection(collection)
            raise
        if self.current():
            self.client.alter_alias(name, self.alias)
        else:
            self.client.create_alias(name, self.alias)
        self._prune(keep=name)
        return name

    def _create(self, name: str, data: IndexData) -> None:
        dim = int(data.vectors.shape[1]) if data.vectors.ndim == 2 and data.vectors.shape[1] else 384
        self._chunk_collection(name, dim)
        sparse = bm25_vectors([c.search_text for c in data.chunks])
        rows = ({"row": i, "chunk_id": c.id, "source": c.source, "chunk": c.to_json(),
                 "dense": [float(x) for x in data.vectors[i]], "sparse": sparse[i] or {term_id("\x00empty"): 0.0}}
                for i, c in enumerate(data.chunks))
        _insert(self.client, name, rows)
        self._docs_collection(f"{name}_docs")
        pieces = [*(p for d in data.documents.values() for p in _pieces("doc", d.source, d.to_json())),
                  *(p for i, t in enumerate(data.tables) for p in _pieces("table", f"{i:09d}", t.to_json())),
                  *_pieces("manifest", "manifest", data.manifest)]
        _insert(self.client, f"{name}_docs", iter(pieces))
        if data.spans is not None:
            self._vector_collection(f"{name}_spans", dim)
            keys = data.spans.keys.view(np.int64).tolist()  # Milvus keys are signed: the same 64 bits
            _insert(self.client, f"{name}_spans", ({"key": k, "vec": v.astype(np.float32).tolist()}
                                                   for k, v in zip(keys, data.spans.vectors, strict=True)))

    def _chunk_collection(self, name: str, dim: int) -> None:
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("row", DataType.INT64, is_primary=True)
        schema.add_field("chunk_id", DataType.VARCHAR, max_length=2048)
        schema.add_field("source", DataType.VARCHAR, max_length=4096)
        schema.add_field("chunk", DataType.JSON)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        index = self.client.prepare_index_params()
        index.add_index("dense", index_type="FLAT", metric_type="IP")  # exact, as the files store below 50k
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        self.client.create_collection(name, schema=schema, index_params=index)

    def _vector_collection(self, name: str, dim: int) -> None:
        """The span vectors of a generation (spans.py), by key."""
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("key", DataType.INT64, is_primary=True)
        schema.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
        index = self.client.prepare_index_params()
        index.add_index("vec", index_type="FLAT", metric_type="IP")
        self.client.create_collection(name, schema=schema, index_params=index)

    def _spans(self, name: str, dim: int) -> SpanTable | None:
        """A generation's span vectors, or None when it was written without them."""
        if not self.client.has_collection(f"{name}_spans"):
            return None
        self.client.load_collection(f"{name}_spans")
        rows = list(_scan(self.client, f"{name}_spans", ["key", "vec"]))
        keys = np.asarray([int(r["key"]) for r in rows], dtype=np.int64).view(np.uint64)
        return SpanTable.of(dict(zip(keys.tolist(), [np.asarray(r["vec"], dtype=np.float32) for r in rows],
                                     strict=True)), dim)

    def _docs_collection(self, name: str) -> None:
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=8192)
        schema.add_field("kind", DataType.VARCHAR, max_length=16)
        schema.add_field("name", DataType.VARCHAR, max_length=4096)
        schema.add_field("part", DataType.INT64)
        schema.add_field("body", DataType.VARCHAR, max_length=65_535)
        schema.add_field("vec", DataType.FLOAT_VECTOR, dim=2)  # every collection needs a vector; unused
        index = self.client.prepare_index_params()
        index.add_index("vec", index_type="FLAT", metric_type="L2")
        self.client.create_collection(name, schema=schema, index_params=index)

    def _read(self, name: str) -> IndexData:
        try:
            for collection in (name, f"{name}_docs"):  # a new process finds them released: load, or no-op
                self.client.load_collection(collection)
            rows = sorted(_scan(self.client, name, ["row", "chunk", "dense"]), key=lambda r: int(r["row"]))
            parts = sorted(_scan(self.client, f"{name}_docs", ["kind", "name", "part", "body"]),
                           key=lambda r: (r["kind"], r["name"], int(r["part"])))
        except MilvusException as exc:
            raise IndexUnavailable(f"Milvus collection {name} cannot be read: {exc}; rebuild it") from exc
        joined: dict[tuple[str, str], list[str]] = {}
        for p in parts:
            joined.setdefault((p["kind"], p["name"]), []).append(p["body"])
        values = {key: json.loads("".join(bodies)) for key, bodies in joined.items()}
        docs = {n: Document.from_json(v) for (k, n), v in values.items() if k == "doc"}
        tables = [Table.from_json(v) for (k, _), v in sorted(values.items()) if k == "table"]
        chunks = [Chunk.from_json(r["chunk"]) for r in rows]
        vectors = np.asarray([r["dense"] for r in rows], dtype=np.float32).reshape(len(rows), -1)
        manifest = values.get(("manifest", "manifest"), {})
        try:
            spans = self._spans(name, int(manifest.get("dimension") or vectors.shape[1] or 384))
        except MilvusException as exc:
            raise IndexUnavailable(f"Milvus collection {name}_spans cannot be read: {exc}; rebuild it") from exc
        return IndexData(docs, chunks, tables, vectors, manifest, spans)

    def _prune(self, keep: str) -> None:
        gens = sorted((c for c in self.client.list_collections()
                       if c.startswith(f"{self.prefix}_g") and not c.endswith(("_docs", "_spans")) and c != keep),
                      reverse=True)
        for old in gens[KEEP - 1 :]:
            for collection in _parts_of(old):
                if self.client.has_collection(collection):
                    self.client.drop_collection(collection)


def _parts_of(name: str) -> tuple[str, ...]:
    """The collections of one generation: its chunks, its documents and tables, its span vectors."""
    return name, f"{name}_docs", f"{name}_spans"


def _insert(client: MilvusClient, collection: str, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= INSERT_BATCH:
            client.insert(collection, batch)
            batch = []
    if batch:
        client.insert(collection, batch)
    client.flush(collection)


def _scan(client: MilvusClient, collection: str, fields: list[str]) -> Iterator[dict[str, Any]]:
    iterator = client.query_iterator(collection, batch_size=INSERT_BATCH, filter="", output_fields=fields)
    try:
        while batch := iterator.next():
            yield from batch
    finally:
        iterator.close()
