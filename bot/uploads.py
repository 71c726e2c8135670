"""Adding a document to the knowledge folder from an upload: safe names, validation, and a
replace that neither a full disk nor a kill -9 can turn into a lost or unconfirmed document.

How a replace stays safe:
- The upload is written and fsynced in a staging folder inside the knowledge folder (`.uploads`,
  hidden, so ingest skips it; same file system, so the final rename is atomic). A full disk fails
  this step, before the original is touched.
- The original is kept as a hard link in the staging folder, and a journal naming the upload is
  written; only then does the upload take the original's name, in one rename.
- The journal is removed once the ingest has activated the new document. A process killed in
  between leaves the journal behind; `recover_upload` (at start and before every ingest) then
  keeps the upload if the index in use already has it and restores the original otherwise, so
  the folder matches the index in use and a later ingest never activates an unconfirmed file.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import unicodedata
from pathlib import Path

from bot.datafiles import DATA_FILES_ALLOWED, DataFileError, load_data_files
from bot.documents import DOCUMENT_SUFFIXES, DocumentError, load_document

log = logging.getLogger(__name__)
STAGING = ".uploads"
JOURNAL = "journal.json"
BACKUP_SUFFIX = ".previous"


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


def same_document(knowledge_dir: Path, name: str) -> list[str]:
    """Other files in the folder that would be the same document as `name` (a document's id is
    its path without the extension, so notes.txt and notes.md cannot both be indexed)."""
    stem, suffix = Path(name).stem, Path(name).suffix
    if suffix not in DOCUMENT_SUFFIXES:
        return []
    return sorted(p.name for p in knowledge_dir.glob(f"{glob_escape(stem)}.*")
                  if p.name != name and p.suffix.lower() in DOCUMENT_SUFFIXES and p.stem == stem)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def install_upload(knowledge_dir: Path, file_name: str, data: bytes, max_bytes: int, ingest) -> tuple[str, object]:
    """Validate `data`, put it in the knowledge folder (replacing a file of the same name) and
    run `ingest()`. If anything fails, the folder is restored and the error re-raised. The caller
    holds the ingest lock, so no other ingest or upload runs meanwhile."""
    name = safe_file_name(file_name)
    suffix = Path(name).suffix
    if suffix not in DOCUMENT_SUFFIXES and name not in DATA_FILES_ALLOWED:
        raise UploadError(f"'{name}' is not a supported document: send Markdown, text, PDF or HTML "
                          f"(or {', '.join(sorted(DATA_FILES_ALLOWED))}).")
    if len(data) > max_bytes:
        raise UploadError(f"'{name}' is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")
    clash = same_document(knowledge_dir, name)
    if clash:
        raise UploadError(f"'{name}' would be the same document as {', '.join(clash)} (a document is known by its "
                          f"name without the extension). To replace it, send the file as {clash[0]}; "
                          f"to add it beside it, give it another name.")

    staging = _fresh_staging(knowledge_dir)
    staged = staging / name
    try:
        _write_durably(staged, data)
        fingerprint = _validate(staged, staging, name, max_bytes)
        target = knowledge_dir / name
        replaced = target.exists()
        if replaced:
            _keep_original(target, staging / (name + BACKUP_SUFFIX))
        _write_durably(staging / JOURNAL, json.dumps({"name": name, "replaced": replaced, "fingerprint": fingerprint}).encode())
        _sync_folder(staging)
    except OSError as exc:
        _clear(staging)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise UploadError(f"There is not enough disk space in the knowledge folder for '{name}', "
                              "so nothing was changed.") from None
        raise
    except BaseException:
        _clear(staging)
        raise

    os.replace(staged, target)
    _sync_folder(knowledge_dir)
    try:
        report = ingest()
    except BaseException:
        _roll_back(knowledge_dir, staging, name, replaced)
        raise
    _commit(staging, name)
    return name, report


def recover_upload(knowledge_dir: Path, active_manifest: dict[str, str], active_data_files: dict[str, str]) -> str | None:
    """Finish an upload a killed process left half-done (see the module's docstring); returns a
    line saying what was done, or None when there was nothing to do. The caller holds the
    ingest lock."""
    staging = knowledge_dir / STAGING
    journal_path = staging / JOURNAL
    if not journal_path.exists():
        if staging.exists():
            _clear(staging)  # a staged file whose journal was never written: never in the folder
        return None
    try:
        journal = json.loads(journal_path.read_text())
        name, replaced, fingerprint = journal["name"], bool(journal["replaced"]), journal["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        log.error("The upload journal %s is unreadable; left it for an admin to look at", journal_path)
        return None
    if _fingerprint_in_index(name, fingerprint, active_manifest, active_data_files):
        _commit(staging, name)
        return f"An upload of {name} interrupted after its ingest was kept (it is in the index in use)."
    _roll_back(knowledge_dir, staging, name, replaced)
    what = "the previous version was restored" if replaced else "it was removed again"
    return f"An upload of {name} was interrupted before its ingest finished; {what}."


def _validate(staged: Path, staging: Path, name: str, max_bytes: int) -> str:
    """Check the staged upload; return the fingerprint the index will hold once it is ingested."""
    try:
        if name in DATA_FILES_ALLOWED:
            text = load_data_files(staging)[name]
            return "data:" + hashlib.sha256(text.encode()).hexdigest()
        return "doc:" + load_document(staged, staging, max_bytes).content_hash
    except (DocumentError, DataFileError) as exc:
        raise UploadError(str(exc)) from None


def _fingerprint_in_index(name: str, fingerprint: str, manifest: dict[str, str], data_files: dict[str, str]) -> bool:
    kind, _, digest = fingerprint.partition(":")
    if kind == "data":
        text = data_files.get(name)
        return text is not None and hashlib.sha256(text.encode()).hexdigest() == digest
    return manifest.get(Path(name).stem) == digest


def _fresh_staging(knowledge_dir: Path) -> Path:
    staging = knowledge_dir / STAGING
    staging.mkdir(exist_ok=True)
    _clear(staging)  # leftovers without a journal (recover_upload ran first) belong to nobody
    return staging


def _roll_back(knowledge_dir: Path, staging: Path, name: str, replaced: bool) -> None:
    target, backup = knowledge_dir / name, staging / (name + BACKUP_SUFFIX)
    if replaced and backup.exists():
        os.replace(backup, target)
    elif not replaced:
        target.unlink(missing_ok=True)
    _sync_folder(knowledge_dir)
    _commit(staging, name)


def _commit(staging: Path, name: str) -> None:
    """Forget the upload: the journal first, so a crash here never restores a confirmed file."""
    (staging / JOURNAL).unlink(missing_ok=True)
    _sync_folder(staging)
    _clear(staging)


def _clear(staging: Path) -> None:
    for path in staging.iterdir():
        if path.name != JOURNAL and path.is_file():
            path.unlink(missing_ok=True)


def _keep_original(target: Path, backup: Path) -> None:
    """A hard link costs no space and keeps the original's bytes whatever happens to its name."""
    try:
        os.link(target, backup)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        _write_durably(backup, target.read_bytes())  # a file system without hard links


def _write_durably(path: Path, data: bytes) -> None:
    """Write and fsync; a partial file (disk full) is removed before the error is raised."""
    try:
        with open(path, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _sync_folder(folder: Path) -> None:
    """fsync a folder, so a rename or a removal in it survives a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
