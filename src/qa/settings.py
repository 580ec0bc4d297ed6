"""Typed settings, read from QA_* environment variables (and a .env file when present)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    admin_token: SecretStr | None = Field(None, description="Bearer token enabling POST /api/index/rebuild.")
    fusion: Literal["rrf", "weighted"] = Field("rrf", description="How dense and BM25 rankings are fused.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(0.5, ge=0.0, le=1.0, description="Dense share in weighted fusion.")
    candidates: int = Field(50, ge=1, le=1000, description="Hits taken from each retriever before fusion.")
    index_type: Literal["auto", "flat", "hnsw"] = Field(
        "auto", description="FAISS index: flat (exact), hnsw (approximate), auto picks by corpus size."
    )
    hnsw_threshold: int = Field(200_000, ge=1, description="Chunk count from which 'auto' picks HNSW.")
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are skipped with a warning.")
    max_words: int = Field(120, ge=20, description="Most words in one passage chunk.")
    query_cache_size: int = Field(1024, ge=0, description="Query embeddings kept in an LRU cache.")
    torch_threads: int = Field(1, ge=1, description="Threads torch uses to embed one query.")
    workers: int = Field(1, ge=1, description="uvicorn worker processes for `qa serve`.")
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed by CORS; empty: off.")
    log_level: str = Field("info", description="Log level of the server and the CLI.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
