"""What an ingest changed, as the admin reads it (ingest.py, /reingest, uploads)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IngestReport:
    documents: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in ("added", "updated", "removed", "unchanged")})
    chunks: dict[str, int] = field(default_factory=lambda: {"added": 0, "removed": 0, "unchanged": 0})
    sentences_embedded: int = 0
    data_files_changed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    version: str = ""
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        d = self.documents
        return bool(d["added"] or d["updated"] or d["removed"] or self.data_files_changed)

    def summary(self) -> str:
        d, c = self.documents, self.chunks
        lines = [
            f"Documents: {len(d['added'])} added, {len(d['updated'])} updated, {len(d['removed'])} removed, "
            f"{len(d['unchanged'])} unchanged.",
            f"Chunks: {c['added']} added, {c['removed']} removed, {c['unchanged']} unchanged "
            f"({self.sentences_embedded} sentences embedded).",
        ]
        for kind in ("added", "updated", "removed"):
            if d[kind]:
                lines.append(f"  {kind}: {', '.join(d[kind])}")
        if self.data_files_changed:
            lines.append(f"Data files updated: {', '.join(self.data_files_changed)}.")
        for warning in self.warnings:
            lines.append(f"Warning: {warning}.")
        if not self.changed:
            lines.append("Nothing changed; the index is up to date.")
        lines.append(f"Index version {self.version} ({self.seconds:.2f} s).")
        return "\n".join(lines)
