"""An AWS deployment on moto, configured the way serverless.yml configures the functions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from handlers import aws_runtime
from tests.fakes.http_capture import CaptureServer, capture_server
from tests.support.aws import (
    create_audit_bucket,
    create_audit_key_secret,
    create_export_bucket,
    create_queues,
    create_table,
)
from tests.support.payloads import SIGNING_SECRET


@pytest.fixture
def slack_api() -> Iterator[CaptureServer]:
    answers: dict[str, dict[str, Any]] = {
        "files.getUploadURLExternal": {"ok": True, "upload_url": "{url}upload/F1", "file_id": "F1"},
        "files.completeUploadExternal": {"ok": True, "files": [{"id": "F1"}]},
        "upload/F1": {"ok": True},
        "files.info": {"ok": True, "file": {"id": "F1", "mimetype": "image/png"}},
    }
    with capture_server(by_path=answers) as server:
        yield server


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, slack_api: CaptureServer) -> Iterator[dict[str, str]]:
    """Table, queue and bucket on moto, the handlers' environment, and fresh handler caches."""
    with mock_aws():
        env = {
            "AUTOSRE_BACKEND": "aws",
            "AUTOSRE_TABLE": create_table(),
            "AUTOSRE_TASK_QUEUE_URL": create_queues(),
            "AUTOSRE_AUDIT_BUCKET": create_audit_bucket(),
            "AUTOSRE_EXPORT_BUCKET": create_export_bucket(),
            "AUTOSRE_AUDIT_KEY": create_audit_key_secret(),
            "AUTOSRE_ORG_ADMINS": "slack:T111:W111,slack:T1DC2JH3J:U2CERLKJA",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-valid",
            "SLACK_API_URL": slack_api.url,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        for cached in (aws_runtime.settings, aws_runtime.services, aws_runtime.guard):
            cached.cache_clear()
        from handlers import aws_slack

        aws_slack.slack.cache_clear()
        yield env


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh AUTOSRE_HOME for the terminal, as local user `dana`, with no configured admins."""
    monkeypatch.setenv("AUTOSRE_HOME", str(tmp_path))
    monkeypatch.setenv("AUTOSRE_LOCAL_USER", "dana")
    monkeypatch.delenv("AUTOSRE_ORG_ADMINS", raising=False)
    return tmp_path
