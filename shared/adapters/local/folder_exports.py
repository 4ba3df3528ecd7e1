"""Exports on the embedded default: files under AUTOSRE_HOME/exports."""

from __future__ import annotations

from pathlib import Path

from shared.adapters.export_names import file_name


class FolderExportStore:
    """Writes each export as a file and answers with its path."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def publish(self, name: str, content: bytes, content_type: str) -> str:
        del content_type  # a file's name says what it is
        self._root.mkdir(parents=True, exist_ok=True)
        path = self._root / file_name(name)
        path.write_bytes(content)
        return str(path)
