"""Runtime configuration, read from the environment and an optional `.env` file.

The variable names are a contract other tools rely on (see design.md); keep them stable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_port: int = 8443
    admin_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()

    knowledge_dir: Path = Path("knowledge")
    data_dir: Path = Path("data")
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_database: str = "default_database"

    llm_model: str | None = None

    # Retrieval knobs; defaults were tuned on tests/eval/questions.yaml.
    retrieval_k: int = Field(default=5, ge=1, le=50)
    relevance_threshold: float = Field(default=0.54, ge=0.0, le=1.0)
    max_question_chars: int = Field(default=2000, ge=100)
    max_document_bytes: int = Field(default=5_000_000, ge=1_000)
    rate_limit_per_minute: int = Field(default=20, ge=1)
    # How long to keep trying the Bot API and a Chroma server at startup before giving up.
    startup_retry_seconds: float = Field(default=60.0, ge=0.0)

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        """Accept "1, 2,3" from the environment as well as a real collection."""
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError as exc:
                raise ValueError("ADMIN_USER_IDS must be comma-separated numeric Telegram user ids") from exc
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("telegram_bot_token", "telegram_webhook_secret", "llm_model", "chroma_host", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def uses_chroma_server(self) -> bool:
        return bool(self.chroma_host)

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def ingest_lock_path(self) -> Path:
        return self.data_dir / "ingest.lock"

    @property
    def records_path(self) -> Path:
        return self.data_dir / "records.sqlite3"

