"""The embedded default's audit trail: one read-only JSON file per entry under AUTOSRE_HOME/audit.

Tamper-evident, not tamper-proof: the files are created exclusively and made read only, and the hash
chain shows any change, but the owner of the folder can still remove the read-only bit.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from shared.audit.models import AuditRecord, StreamKey
from shared.errors import ConflictError

READ_ONLY = 0o444


class FolderAuditLog:
    """Entries at `<root>/<org>/<team>/<sequence, 12 digits>.json`."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _folder(self, stream: StreamKey) -> Path:
        return self._root / quote(stream.org, safe="") / quote(stream.team, safe="")

    def _sequences(self, stream: StreamKey) -> list[int]:
        folder = self._folder(stream)
        if not folder.is_dir():
            return []
        names = (entry.name for entry in os.scandir(folder))
        return sorted(
            int(name[:-5]) for name in names if name.endswith(".json") and name[:-5].isdigit()
        )

    def head(self, stream: StreamKey) -> AuditRecord | None:
        sequences = self._sequences(stream)
        return self._load(stream, sequences[-1]) if sequences else None

    def put(self, record: AuditRecord) -> None:
        folder = self._folder(record.stream)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{record.seq:012d}.json"
        draft = folder / f".{uuid.uuid4().hex}.tmp"
        draft.write_text(record.model_dump_json(), encoding="utf-8")
        draft.chmod(READ_ONLY)
        try:
            os.link(draft, final)  # atomic and exclusive: the complete file appears, or nothing
        except FileExistsError as error:
            raise ConflictError(
                f"sequence number {record.seq} is taken in {record.stream}"
            ) from error
        finally:
            with contextlib.suppress(FileNotFoundError):
                draft.unlink()

    def read(
        self, stream: StreamKey, *, after: int = 0, limit: int = 1000
    ) -> Sequence[AuditRecord]:
        chosen = [seq for seq in self._sequences(stream) if seq > after][:limit]
        return [self._load(stream, seq) for seq in chosen]

    def _load(self, stream: StreamKey, seq: int) -> AuditRecord:
        path = self._folder(stream) / f"{seq:012d}.json"
        return AuditRecord.model_validate_json(path.read_bytes())
