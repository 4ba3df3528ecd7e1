"""The embedded default's audit trail: one read-only JSON file per entry under AUTOSRE_HOME/audit.

Tamper-evident, not tamper-proof: the files are created exclusively and made read only, and the hash
chain and the signed digests show any change, but the owner of the folder can still remove the
read-only bit or the files.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote, unquote

from shared.audit.chain import decode, encode
from shared.audit.head import last_present
from shared.audit.models import (
    AuditRecord,
    Digest,
    LockState,
    StoredDigest,
    StoredEntry,
    StreamKey,
)
from shared.audit.seal import readable
from shared.errors import ConflictError
from shared.identity.models import OrgId

READ_ONLY = 0o444
WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
DIGESTS = "digests"
_READ_ONLY = LockState(mode="read-only")
_WRITABLE = LockState(mode="writable")


def _name(number: int) -> str:
    return f"{number:012d}.json"


def _numbered(folder: Path) -> list[tuple[int, str]]:
    if not folder.is_dir():
        return []
    names = (entry.name for entry in os.scandir(folder))
    found = [(int(n[:-5]), n) for n in names if n.endswith(".json") and n[:-5].isdigit()]
    return sorted(found)


class FolderAuditLog:
    """Entries at `<root>/<org>/<team>/<sequence, 12 digits>.json`, digests in `…/digests/`."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._known: dict[StreamKey, int] = {}
        self._lock = threading.Lock()

    def _folder(self, stream: StreamKey) -> Path:
        return self._root / quote(stream.org, safe="") / quote(stream.team, safe="")

    def _create(self, path: Path, content: bytes, what: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.parent / f".{uuid.uuid4().hex}.tmp"
        draft.write_bytes(content)
        draft.chmod(READ_ONLY)
        try:
            os.link(draft, path)  # atomic and exclusive: the complete file appears, or nothing
        except FileExistsError as error:
            raise ConflictError(f"{what} is taken") from error
        finally:
            with contextlib.suppress(FileNotFoundError):
                draft.unlink()

    def head(self, stream: StreamKey) -> AuditRecord | None:
        folder = self._folder(stream)
        with self._lock:
            known = self._known.get(stream, 0)
        seq = last_present(lambda n: (folder / _name(n)).exists(), known)
        with self._lock:
            now = self._known.get(stream, 0)
            # lower only when it fell below what was seen (a cut), never under a newer put
            self._known[stream] = seq if now == known else max(seq, now)
        if seq == 0:
            return None
        record = decode((folder / _name(seq)).read_bytes())
        if record.seq != seq:  # a copy of another entry: never chained after
            raise ValueError(f"entry #{seq} holds #{record.seq}")
        return record

    def put(self, record: AuditRecord) -> None:
        path = self._folder(record.stream) / _name(record.seq)
        try:
            self._create(path, encode(record), f"sequence number {record.seq}")
        finally:
            if path.exists():
                with self._lock:
                    known = self._known.get(record.stream, 0)
                    self._known[record.stream] = max(known, record.seq)

    def scan(
        self, stream: StreamKey, *, after: int = 0, upto: int | None = None
    ) -> Iterator[StoredEntry]:
        folder = str(self._folder(stream))
        for seq, name in _numbered(Path(folder)):
            if seq <= after:
                continue
            if upto is not None and seq > upto:
                break
            # one open, fstat and read per entry: verification reads ~100,000 of these a second
            descriptor = os.open(os.path.join(folder, name), os.O_RDONLY)  # noqa: PTH118
            try:
                status = os.fstat(descriptor)
                body = os.read(descriptor, status.st_size)
            finally:
                os.close(descriptor)
            yield StoredEntry(seq, body, _WRITABLE if status.st_mode & WRITE_BITS else _READ_ONLY)

    def put_digest(self, digest: Digest) -> None:
        path = self._folder(digest.stream) / DIGESTS / _name(digest.number)
        self._create(path, digest.model_dump_json().encode(), f"digest number {digest.number}")

    def digests(self, stream: StreamKey) -> Sequence[Digest]:
        return readable(self.stored_digests(stream))

    def stored_digests(self, stream: StreamKey) -> Sequence[StoredDigest]:
        folder = self._folder(stream) / DIGESTS
        return [StoredDigest(n, (folder / name).read_bytes()) for n, name in _numbered(folder)]

    def orgs(self) -> Sequence[OrgId]:
        if not self._root.is_dir():
            return []
        return sorted(OrgId(unquote(e.name)) for e in os.scandir(self._root) if e.is_dir())

    def streams(self, org: OrgId) -> Sequence[StreamKey]:
        folder = self._root / quote(org, safe="")
        if not folder.is_dir():
            return []
        teams = sorted(unquote(entry.name) for entry in os.scandir(folder) if entry.is_dir())
        return [StreamKey(org=org, team=team) for team in teams]
