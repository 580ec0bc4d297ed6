"""Settings come from QA_* environment variables, with typed validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from qa.settings import DEFAULT_MODEL, Settings


def test_defaults_use_the_project_folders_and_bundled_model(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QA_CORPUS_DIR", "QA_INDEX_DIR", "QA_MODEL", "QA_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.corpus_dir == Path("corpus") and settings.index_dir == Path("index")
    assert settings.model == DEFAULT_MODEL and settings.admin_token is None


def test_environment_overrides_each_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_CORPUS_DIR", "/data/reports")
    monkeypatch.setenv("QA_MODEL", "/models/other")
    monkeypatch.setenv("QA_ADMIN_TOKEN", "s3cret")
    monkeypatch.setenv("QA_CORS_ORIGINS", '["https://example.org"]')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.corpus_dir == Path("/data/reports") and settings.model == "/models/other"
    assert settings.admin_token is not None and settings.admin_token.get_secret_value() == "s3cret"
    assert settings.cors_origins == ["https://example.org"]


def test_admin_token_is_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_ADMIN_TOKEN", "s3cret")
    assert "s3cret" not in repr(Settings(_env_file=None))  # type: ignore[call-arg]


def test_invalid_value_is_refused_with_the_setting_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_FUSION", "average")
    with pytest.raises(ValidationError, match="fusion"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [f"QA_{name.upper()}" for name in Settings.model_fields if f"`QA_{name.upper()}`" not in readme]
    assert missing == []
