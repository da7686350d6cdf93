"""The one settings object (pydantic-settings, prefix ``MODELYARD_``).

Built at the edges (the CLI entry point, ``create_app(settings)``, ``Workspace(...)``) and
passed down; nothing reads the environment anywhere else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ArtifactSettings", "JobSettings", "ServerSettings", "Settings", "TrackingSettings"]


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8200
    auth: Literal["none", "token"] = "none"
    workers: int = 1
    allow_insecure: bool = False
    #: extra Host header values accepted besides the bound address and localhost
    allowed_hosts: list[str] = Field(default_factory=list)
    #: browser origins allowed to send state-changing requests besides the server's own
    allowed_origins: list[str] = Field(default_factory=list)
    max_request_bytes: int = 64 * 1024 * 1024


class TrackingSettings(BaseModel):
    #: flush the SDK's metric buffer when it holds this many points...
    batch_size: int = 1000
    #: ...or when the oldest buffered point is this old (seconds)
    flush_interval: float = 1.0
    #: retries of a failed batch before the error is raised to the caller
    send_retries: int = 3
    #: capture git and environment information on new runs
    capture_source: bool = True


class ArtifactSettings(BaseModel):
    chunk_size: int = 1024 * 1024
    max_upload_bytes: int = 50 * 1024**3


class JobSettings(BaseModel):
    #: an on-demand job agent exits after this many seconds with nothing queued or running
    agent_idle_seconds: float = 60.0


class Settings(BaseSettings):
    """All settings. Environment variables use ``MODELYARD_`` and ``__`` for nesting,
    e.g. ``MODELYARD_SERVER__PORT=8300``."""

    model_config = SettingsConfigDict(
        env_prefix="MODELYARD_", env_nested_delimiter="__", extra="ignore"
    )

    #: a workspace folder or an http(s) URL; None means "find one" (see modelyard.location)
    workspace: str | None = None
    #: SQLAlchemy URL of the store for a server; default: the workspace's SQLite file
    store_url: str | None = None
    #: artifact root for a server; default: the workspace's artifacts/ folder
    artifact_root: str | None = None
    #: a bearer token sent by the SDK/CLI to a server
    token: str | None = None

    server: ServerSettings = Field(default_factory=ServerSettings)
    tracking: TrackingSettings = Field(default_factory=TrackingSettings)
    artifacts: ArtifactSettings = Field(default_factory=ArtifactSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)

    def home(self) -> Path:
        return Path.home() / ".modelyard"
