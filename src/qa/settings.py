"""Typed settings, read from QA_* environment variables (and a .env file when present)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_MODEL = "bundled:all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Every knob of qa. Each field is documented in the README's settings table."""

    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    corpus_dir: Path = Field(Path("corpus"), description="Folder of source documents.")
    index_dir: Path = Field(Path("index"), description="Folder the index is written to and served from.")
    model: str = Field(
        DEFAULT_MODEL,
        description="sentence-transformers model path or name; the default is the bundled all-MiniLM-L6-v2.",
    )
    admin_token: SecretStr | None = Field(None, description="Bearer token enabling POST /api/index/rebuild; "
                                          "an admin key over the whole corpus.")
    keys_db: Path = Field(Path("keys.db"), description="SQLite file of the API keys (`qa keys`); missing: no keys.")
    anonymous: Literal["read", "none"] = Field(
        "read", description="read: asking needs no key (whole corpus); none: every request but /api/health needs one.")
    keys_cache_seconds: float = Field(
        2.0, ge=0, description="How long a running server trusts its copy of the keys table: a revoked key stops "
        "working within this many seconds.")
    # Measured on both eval sets (docs/BENCHMARKS.md): weighted 0.5 beats RRF and BM25 alone at top-1.
    fusion: Literal["rrf", "weighted"] = Field("weighted", description="How dense and BM25 rankings are fused.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(0.5, ge=0.0, le=1.0, description="Dense share in weighted fusion.")
    candidates: int = Field(50, ge=1, le=1000, description="Hits taken from each retriever before fusion.")
    index_type: Literal["auto", "flat", "hnsw", "hnsw_sq8", "ivf_sq8"] = Field(
        "auto", description="FAISS index: flat (exact); hnsw, hnsw_sq8, ivf_sq8 (approximate; bench/scale.py); "
        "auto picks by corpus size."
    )
    hnsw_threshold: int = Field(50_000, ge=1, description="Chunk count from which 'auto' picks an approximate "
                                "index (ivf_sq8: exact search is past 10 ms there on two cores).")
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are skipped with a warning.")
    max_pages: int = Field(500, ge=1, description="Most pages (slides) read from one PDF or PowerPoint file; "
                           "the rest are left out with a warning.")
    max_file_seconds: float = Field(300.0, gt=0, description="Reading one PDF or deck stops after the page "
                                    "being read when this many seconds have passed; the rest is left out with "
                                    "a warning.")
    max_unzipped_mb: float = Field(100.0, gt=0, description="A .docx, .xlsx or .pptx expanding past this many MB "
                                   "is refused as a possible zip bomb, before it is opened.")
    max_zip_entries: int = Field(10_000, ge=1, description="A .docx, .xlsx or .pptx holding more zip entries "
                                 "than this is refused, before it is opened.")
    max_cells: int = Field(200_000, ge=1, description="Most spreadsheet cells read from one workbook; rows past "
                           "it are left out with a warning.")
    ocr: Literal["auto", "off"] = Field("auto", description="PDF pages without a text layer: auto (read by "
                                        "Tesseract when it is installed), off (skipped with a warning).")
    ocr_max_pages: int = Field(50, ge=0, description="Most pages of one PDF read by OCR; later scanned pages "
                               "are skipped with a warning.")
    page_image_px: int = Field(1600, ge=200, le=4000, description="Longest side, in pixels, of the page images "
                               "GET /api/documents/{source}/pages/{n}.png renders.")
    page_cache_size: int = Field(64, ge=0, description="Rendered page images kept in memory (an LRU).")
    max_words: int = Field(120, ge=20, description="Most words in one passage chunk.")
    query_cache_size: int = Field(1024, ge=0, description="Query embeddings kept in an LRU cache.")
    torch_threads: int = Field(1, ge=1, description="Threads torch (or ONNX Runtime) uses for one model call "
                               "embedding queries.")
    query_backend: Literal["auto", "onnx", "onnx-int8", "torch", "sentence-transformers"] = Field(
        "auto", description="How queries are embedded: auto (ONNX Runtime, else torch), onnx, onnx-int8 (int8 "
        "weights), torch, or sentence-transformers' encode(); each fast path is checked against encode() at load.")
    query_batch: int = Field(32, ge=1, description="Most queries embedded by one model call: those that arrive "
                             "while a call runs share the next one (every backend gives a query the vector it gets "
                             "alone); 1: no batching.")
    store: Literal["files", "milvus"] = Field(
        "files", description="Where the index lives: files (the index folder) or milvus (QA_MILVUS_URI).")
    milvus_uri: str = Field("milvus.db", description="Milvus: a file path (Milvus Lite, embedded) or "
                            "http(s)://host:19530 (a Milvus server or cluster).")
    milvus_token: SecretStr | None = Field(None, description="Milvus: the token (user:password or API key).")
    milvus_collection: str = Field("qa", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,100}$",
                                   description="Milvus: the prefix of the index's collections and its alias.")
    milvus_update_after: float = Field(120.0, ge=0, description="Milvus: a rebuild updates the older generation "
                                       "in place (by file) only when it stopped being served at least this many "
                                       "seconds ago, so that no replica is still on it; sooner, it writes new "
                                       "collections.")
    ray_address: str | None = Field(None, description="Ray: build on this cluster (ray://host:10001, auto) or "
                                    "`local` (start Ray here).")
    build_backend: Literal["auto", "onnx-int8", "onnx", "sentence-transformers"] = Field(
        "auto", description="How builds embed chunks: auto (the model's int8 ONNX graph in length-sorted batches "
        "when it agrees with encode() as queries must, else the float32 graph when it equals encode()'s vectors), "
        "onnx-int8 or onnx (only that graph), or sentence-transformers' encode().")
    span_vectors: bool = Field(True, description="Builds embed every candidate answer span of every chunk (by "
                               "the query path), so a first question about a document embeds none; off: spans "
                               "are embedded when a question first needs them.")
    build_workers: int = Field(0, ge=0, description="Processes that read and parse files during a build (used "
                               "from 16 files to parse); 0: one per core when the files hold 2 MB or 16 PDF or "
                               "Office files, else the building process; 1: the building process only.")
    workers: int = Field(1, ge=1, description="uvicorn worker processes for `qa serve`.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed by CORS, comma-separated; empty: CORS off.")
    log_level: str = Field("info", description="Log level of the server and the CLI.")
    reload_interval: float = Field(
        2.0, ge=0, description="Seconds between checks for an index written by another process (another "
        "worker's rebuild, `qa index`), which is then loaded and served; 0: never.")
    watch_debounce_ms: int = Field(
        1500, ge=50, description="`qa serve --watch`: quiet time after the last corpus change before rebuilding.")
    access_log: bool = Field(True, description="One JSON line per request (method, path, status, ms) on the "
                             "`qa.access` logger.")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """QA_CORS_ORIGINS is "https://a.example,https://b.example" (a JSON list works too)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
