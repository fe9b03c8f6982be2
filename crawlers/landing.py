"""The landing archive: ``<landing>/<YYYY-MM-DD>/<outlet>-<run>.jsonl``.

Records are written to a hidden temporary file beside the final one and
published on :meth:`LandingWriter.close` with a hard link (or an exclusive
rename), so readers never see a partial file and an existing file is never
rewritten. A run that wrote nothing leaves no file.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import IO, Any


def landing_path(landing_dir: Path, day: date, outlet: str, run_id: str) -> Path:
    return landing_dir / day.isoformat() / f"{outlet}-{run_id}.jsonl"


class LandingWriter:
    """Append JSON lines to a temporary file; publish it atomically on close."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.tmp")
        self.count = 0
        self._fh: IO[str] | None = None

    def write(self, record: dict[str, Any]) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.tmp, "x", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.count += 1

    def close(self) -> Path | None:
        """Publish the file; return its path, or ``None`` if nothing was written."""
        if self._fh is None:
            return None
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        try:
            os.link(self.tmp, self.path)  # fails if the final name exists: never overwrite
            os.unlink(self.tmp)
        except OSError as exc:
            if isinstance(exc, FileExistsError):
                raise
            if self.path.exists():  # no hard links on this file system
                raise FileExistsError(self.path) from None
            os.replace(self.tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return self.path

    def abort(self) -> None:
        """Drop the temporary file (used when the run fails before closing)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self.tmp.unlink(missing_ok=True)
