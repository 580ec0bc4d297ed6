"""The Milvus store (`QA_STORE=milvus`, pymilvus; Milvus Lite for a file path, a server or cluster for a URL).

Each generation is three collections: `<prefix>_g<time>_<id>` holds the chunks (a key from file and place, the
source, the whole chunk as JSON so any chunk field travels, its dense vector, and its BM25 weights as a sparse
vector over the terms of the one tokenizer: milvus_rows.py), `..._docs` the documents, tables and manifest as
JSON pieces, and `..._spans` the span vectors (spans.py). The alias `<prefix>_current` names the chunk
collection in use and is switched atomically after a generation is written whole, so a rebuild never shows a
half-written index. Searches name the generation's collection, not the alias: a request stays on one generation.

Two generations are kept, used blue/green: the one served and the one before it. A rebuild brings the older one
up to date in place (the rows of removed and changed files deleted, those of new and changed files inserted,
span vectors likewise; files compared by the digests its manifest holds), renames its collections to the new
generation's name and switches the alias to it: the write is proportional to the change. A full rebuild, or one
whose older generation is missing, of another layout or left half-updated, writes new collections.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pymilvus import MilvusClient, MilvusException

from qa.index import milvus_rows as rows
from qa.index.integrity import IndexUnavailable
from qa.index.retrievers import Ranked, Rows
from qa.index.spans import SpanTable
from qa.index.store import IndexData, LoadedIndex, compatible
from qa.records import Chunk, Document, Vectors
from qa.settings import Settings
from qa.tables.model import Table

INSERT_BATCH = 1_000
DELETE_BATCH = 500  # files named in one delete filter
KEEP = 2  # generations kept: the one served and the one before it, which the next rebuild brings up to date
_clients: dict[tuple[str, str], MilvusClient] = {}
_clients_lock = threading.Lock()


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
    """Dense and BM25 search in one generation's chunk collection; results are places in the loaded chunks."""

    def __init__(self, client: MilvusClient, collection: str, keys: list[int], idf: dict[int, float]) -> None:
        self.client, self.collection, self.size, self.idf = client, collection, len(keys), idf
        self._keys = keys
        self._place = {k: i for i, k in enumerate(keys)}

    def _search(self, data: Any, field: str, k: int, allowed: Rows | None) -> Ranked:
        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return [], []
        expr = "" if allowed is None else f"key in {[self._keys[int(i)] for i in allowed]}"
        found = self.client.search(self.collection, data=[data], anns_field=field, limit=k, filter=expr,
                                   output_fields=["key"], search_params={"metric_type": "IP"})[0]
        return [self._place[int(h["entity"]["key"])] for h in found], [float(h["distance"]) for h in found]

    def dense(self, query: Vectors, k: int, allowed: Rows | None = None) -> Ranked:
        return self._search([float(x) for x in query[0]], "dense", k, allowed)

    def sparse(self, text: str, k: int, allowed: Rows | None = None) -> Ranked:
        vector = rows.query_vector(text, self.idf)
        if not vector:
            return [], []
        ids, scores = self._search(vector, "sparse", k, allowed)
        keep = [(i, s) for i, s in zip(ids, scores, strict=True) if s > 0]
        return [i for i, _ in keep], [s for _, s in keep]


@dataclass(frozen=True)
class Written:
    """What the last write did: `full` (new collections) or an update of the older generation in place."""

    name: str
    full: bool
    files_deleted: int  # files whose rows were deleted (removed or changed)
    rows_inserted: int  # chunk rows written


class MilvusStore:
    """Generations as collections behind an alias (see the module's docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.client = client_for(settings)
        self.prefix = settings.milvus_collection
        self.alias = f"{self.prefix}_current"
        self.update_after = settings.milvus_update_after
        self.last: Written | None = None

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
        if self._manifest(name).get("milvus_layout") != rows.LAYOUT:
            return None, "The Milvus collections have an older layout; rebuilding everything."
        data = self._read(name)
        why = compatible(data.manifest, model)
        return (None, why) if why else (data, "")

    def load(self) -> LoadedIndex:
        name = self.current()
        if not name:
            raise IndexUnavailable(f"no index in Milvus (alias {self.alias}); run `qa index` first")
        data = self._read(name)
        keys = [rows.row_key(c.source, n) for c, n in zip(data.chunks, _places(data.chunks), strict=True)]
        idf = rows.idf_of(c.search_text for c in data.chunks)
        return LoadedIndex(data, MilvusSearch(self.client, name, keys, idf), Path(name))

    def write(self, data: IndexData, settings: Settings, full: bool = False) -> str:
        name = f"{self.prefix}_g{datetime.now(UTC):%Y%m%d%H%M%S%f}_{uuid.uuid4().hex[:6]}"
        standby = None if full else self._standby(data)
        try:
            if standby is not None:
                self.last = self._update(standby, data)
                for old, new in zip(_parts_of(standby), _parts_of(name), strict=True):
                    if self.client.has_collection(old):
                        self.client.rename_collection(old, new)
            else:
                self.last = self._create(name, data)
        except BaseException:
            for collection in (*_parts_of(name), *(_parts_of(standby) if standby else ())):
                if self.client.has_collection(collection):
                    self.client.drop_collection(collection)
            raise
        self.last = Written(name, self.last.full, self.last.files_deleted, self.last.rows_inserted)
        if self.current():
            self.client.alter_alias(name, self.alias)
        else:
            self.client.create_alias(name, self.alias)
        self._prune(keep=name)
        return name

    def _standby(self, data: IndexData) -> str | None:
        """The older generation when it can be brought up to date: same layout, model and vector size, and out
        of service long enough (it stopped being served when the current one, named by its time, was written)."""
        current = self.current()
        others = sorted((g for g in self._generations() if g != current), reverse=True)
        if not current or not others or time.time() - _written_at(current) < self.update_after:
            return None
        manifest = self._manifest(others[0])
        same = all(manifest.get(k) == data.manifest.get(k) for k in ("format_version", "model", "dimension"))
        return others[0] if same and manifest.get("milvus_layout") == rows.LAYOUT else None

    def _create(self, name: str, data: IndexData) -> Written:
        dim = int(data.vectors.shape[1]) if data.vectors.ndim == 2 and data.vectors.shape[1] else 384
        rows.chunk_collection(self.client, name, dim)
        rows.docs_collection(self.client, f"{name}_docs")
        rows.span_collection(self.client, f"{name}_spans", dim)
        avgdl = rows.average_length(c.search_text for c in data.chunks)
        inserted = _insert(self.client, name, rows.chunk_rows(data, set(data.documents), avgdl))
        _insert(self.client, f"{name}_docs", rows.file_pieces(data, set(data.documents)))
        _insert(self.client, f"{name}_spans", _span_rows(data.spans, None))
        _insert(self.client, f"{name}_docs", self._manifest_pieces(data, avgdl))
        return Written(name, True, 0, inserted)

    def _update(self, name: str, data: IndexData) -> Written:
        """Bring generation `name` to `data`: delete the rows of files gone or changed, insert new ones."""
        old = self._manifest(name)
        self.client.delete(f"{name}_docs", filter='kind == "manifest"')  # half-updated from here: never reused
        held, digests = old.get("milvus_files", {}), rows.file_digests(data)
        stale = sorted(s for s in held if digests.get(s) != held[s])
        fresh = {s for s in digests if held.get(s) != digests[s]}
        for start in range(0, len(stale), DELETE_BATCH):
            expr = rows.sources_filter(stale[start : start + DELETE_BATCH])
            self.client.delete(name, filter=expr)
            self.client.delete(f"{name}_docs", filter=expr)
        avgdl = float(old["bm25_avgdl"])
        inserted = _insert(self.client, name, rows.chunk_rows(data, fresh, avgdl))
        _insert(self.client, f"{name}_docs", rows.file_pieces(data, fresh))
        self._update_spans(f"{name}_spans", data.spans)
        _insert(self.client, f"{name}_docs", self._manifest_pieces(data, avgdl))
        return Written(name, False, len(stale), inserted)

    def _update_spans(self, collection: str, spans: SpanTable | None) -> None:
        self.client.load_collection(collection)
        held = {int(r["key"]) for r in _scan(self.client, collection, ["key"])}
        wanted = set() if spans is None else set(spans.keys.view(np.int64).tolist())
        gone = sorted(held - wanted)
        for start in range(0, len(gone), INSERT_BATCH):
            self.client.delete(collection, ids=gone[start : start + INSERT_BATCH])
        _insert(self.client, collection, _span_rows(spans, held))

    def _manifest_pieces(self, data: IndexData, avgdl: float) -> Iterator[dict[str, Any]]:
        manifest = {**data.manifest, "milvus_layout": rows.LAYOUT, "bm25_avgdl": avgdl,
                    "milvus_files": rows.file_digests(data)}
        return rows.pieces("manifest", "manifest", "", manifest)

    def _manifest(self, name: str) -> dict[str, Any]:
        """A generation's manifest ({} when it has none: left half-updated, or unreadable)."""
        try:
            self.client.load_collection(f"{name}_docs")
            found = self.client.query(f"{name}_docs", filter='kind == "manifest"', output_fields=["part", "body"])
        except MilvusException:
            return {}
        return _joined(found) if found else {}

    def _read(self, name: str) -> IndexData:
        try:
            for collection in _parts_of(name):  # a new process finds them released: load, or no-op
                if self.client.has_collection(collection):
                    self.client.load_collection(collection)
            found = sorted(_scan(self.client, name, ["source", "ordinal", "chunk", "dense"]),
                           key=lambda r: (r["source"], int(r["ordinal"])))
            parts = list(_scan(self.client, f"{name}_docs", ["kind", "name", "source", "part", "body"]))
            spans = self._spans(name)
        except MilvusException as exc:
            raise IndexUnavailable(f"Milvus collection {name} cannot be read: {exc}; rebuild it") from exc
        values = _values(parts)
        docs = {s: Document.from_json(v) for (k, s, _), v in values.items() if k == "doc"}
        tables = [Table.from_json(v) for (k, _, _), v in sorted(values.items()) if k == "table"]
        chunks = [Chunk.from_json(r["chunk"]) for r in found]
        vectors = np.asarray([r["dense"] for r in found], dtype=np.float32).reshape(len(found), -1)
        return IndexData(docs, chunks, tables, vectors, values.get(("manifest", "", "manifest"), {}), spans)

    def _spans(self, name: str) -> SpanTable | None:
        if not self.client.has_collection(f"{name}_spans"):
            return None
        found = list(_scan(self.client, f"{name}_spans", ["key", "vec"]))
        keys = np.asarray([int(r["key"]) for r in found], dtype=np.int64).view(np.uint64).tolist()
        dim = len(found[0]["vec"]) if found else 0
        return SpanTable.of(dict(zip(keys, [np.asarray(r["vec"], dtype=np.float32) for r in found], strict=True)),
                            dim)

    def _generations(self) -> list[str]:
        return [c for c in self.client.list_collections()
                if c.startswith(f"{self.prefix}_g") and not c.endswith(("_docs", "_spans"))]

    def _prune(self, keep: str) -> None:
        for old in sorted((c for c in self._generations() if c != keep), reverse=True)[KEEP - 1 :]:
            for collection in _parts_of(old):
                if self.client.has_collection(collection):
                    self.client.drop_collection(collection)


def _written_at(name: str) -> float:
    """When a generation was written, from its name (`<prefix>_g<UTC time>_<id>`); 0 when the name has none."""
    try:
        stamp = name.rsplit("_", 2)[-2].removeprefix("g")
        return datetime.strptime(stamp, "%Y%m%d%H%M%S%f").replace(tzinfo=UTC).timestamp()
    except (IndexError, ValueError):
        return 0.0


def _places(chunks: list[Chunk]) -> Iterator[int]:
    """Each chunk's place among its file's chunks (the loaded chunks are in file order)."""
    seen: dict[str, int] = {}
    for chunk in chunks:
        seen[chunk.source] = seen.get(chunk.source, -1) + 1
        yield seen[chunk.source]


def _span_rows(spans: SpanTable | None, held: set[int] | None) -> Iterator[dict[str, Any]]:
    """Rows of the span vectors not already `held`; keys as signed integers (the same 64 bits)."""
    if spans is None:
        return
    for key, vector in zip(spans.keys.view(np.int64).tolist(), spans.vectors, strict=True):
        if held is None or key not in held:
            yield {"key": key, "vec": vector.astype(np.float32).tolist()}


def _joined(found: Iterable[dict[str, Any]]) -> Any:
    return json.loads("".join(p["body"] for p in sorted(found, key=lambda p: int(p["part"]))))


def _values(parts: list[dict[str, Any]]) -> dict[tuple[str, str, str], Any]:
    """The JSON values the pieces make up, by (kind, source, name)."""
    grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for p in parts:
        grouped.setdefault((p["kind"], p["source"], p["name"]), []).append(p)
    return {key: _joined(found) for key, found in grouped.items()}


def _parts_of(name: str) -> tuple[str, ...]:
    """The collections of one generation: its chunks, its documents and tables, its span vectors."""
    return name, f"{name}_docs", f"{name}_spans"


def _insert(client: MilvusClient, collection: str, found: Iterable[dict[str, Any]]) -> int:
    """Insert rows in batches, then flush; returns how many."""
    batch: list[dict[str, Any]] = []
    count = 0
    for row in found:
        batch.append(row)
        if len(batch) >= INSERT_BATCH:
            client.insert(collection, batch)
            count, batch = count + len(batch), []
    if batch:
        client.insert(collection, batch)
        count += len(batch)
    client.flush(collection)
    return count


def _scan(client: MilvusClient, collection: str, fields: list[str]) -> Iterator[dict[str, Any]]:
    iterator = client.query_iterator(collection, batch_size=INSERT_BATCH, filter="", output_fields=fields)
    try:
        while batch := iterator.next():
            yield from batch
    finally:
        iterator.close()
