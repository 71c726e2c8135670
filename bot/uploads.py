"""Adding a document to the knowledge folder from an upload: safe names, validation, rollback."""

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from bot.datafiles import DATA_FILES_ALLOWED, DataFileError, load_data_files
from bot.documents import DOCUMENT_SUFFIXES, DocumentError, load_document


class UploadError(ValueError):
    """An upload that cannot be added; the message says why in a plain sentence."""


def safe_file_name(name: str) -> str:
    """A plain base name: no folders, no leading dots, only letters, digits, '.', '-' and '_'."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-_")
    base = re.sub(r"\.{2,}", ".", base)
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem:
        raise UploadError(f"'{name}' needs a name and an extension such as .md, .txt, .pdf or .html.")
    return f"{stem[:80]}.{suffix.lower()}"


def install_upload(knowledge_dir: Path, file_name: str, data: bytes, max_bytes: int, ingest) -> tuple[str, object]:
    """Validate `data`, put it in the knowledge folder (replacing a file of the same name) and
    run `ingest()`. If anything fails, the folder is restored and the error re-raised."""
    name = safe_file_name(file_name)
    suffix = Path(name).suffix
    if suffix not in DOCUMENT_SUFFIXES and name not in DATA_FILES_ALLOWED:
        raise UploadError(f"'{name}' is not a supported document: send Markdown, text, PDF or HTML "
                          f"(or {', '.join(sorted(DATA_FILES_ALLOWED))}).")
    if len(data) > max_bytes:
        raise UploadError(f"'{name}' is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / name
        staged.write_bytes(data)
        try:
            if name in DATA_FILES_ALLOWED:
                load_data_files(Path(tmp))
            else:
                load_document(staged, Path(tmp), max_bytes)
        except (DocumentError, DataFileError) as exc:
            raise UploadError(str(exc)) from None
        target = knowledge_dir / name
        backup = Path(tmp) / (name + ".previous")
        replaced = target.exists()
        if replaced:
            shutil.copy2(target, backup)
        shutil.move(str(staged), target)
        try:
            report = ingest()
        except BaseException:
            if replaced:
                shutil.copy2(backup, target)
            else:
                target.unlink(missing_ok=True)
            raise
    return name, report
