"""Reading and validating the source documents in the knowledge folder.

Every document is checked before the index is touched, so one broken file stops an ingest
with a message that names it instead of leaving a half-updated index.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

DOCUMENT_SUFFIXES = {".md", ".markdown", ".txt", ".pdf", ".html", ".htm"}
URL_PATTERN = re.compile(r"https?://[^\s;,)\]>]+")


class DocumentError(ValueError):
    """A document that cannot be ingested; the message names the file and the reason."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass(frozen=True)
class SourceDocument:
    doc_id: str  # path relative to the knowledge folder, without suffix
    path: str
    title: str
    as_of: str
    sources: tuple[str, ...]
    text: str  # Markdown-like body: headings as '#' lines
    content_hash: str = field(default="")


def find_document_paths(folder: Path) -> list[Path]:
    """All ingestible documents under `folder`, in a stable order; hidden files are skipped."""
    paths = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.suffix.lower() in DOCUMENT_SUFFIXES:
            paths.append(path)
    return paths


def load_document(path: Path, folder: Path, max_bytes: int) -> SourceDocument:
    """Read one document, or raise DocumentError saying why it cannot be used."""
    rel = path.relative_to(folder)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(rel, f"cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > max_bytes:
        raise DocumentError(rel, f"is {len(raw):,} bytes, over the {max_bytes:,}-byte limit for one document")
    if not raw.strip():
        raise DocumentError(rel, "is empty")

    suffix = path.suffix.lower()
    if suffix == ".pdf":
        title, as_of, sources, text = _read_pdf(raw, rel)
    else:
        decoded = _decode_text(raw, rel)
        if suffix in {".html", ".htm"}:
            title, as_of, sources, text = _read_html(decoded)
        elif suffix in {".md", ".markdown"}:
            title, as_of, sources, text = _read_markdown(decoded, rel)
        else:
            title, as_of, sources, text = "", "", (), decoded

    if len(re.findall(r"\w+", text)) < 3:
        raise DocumentError(rel, "has no readable text")
    title = title or _first_heading(text) or path.stem.replace("-", " ").replace("_", " ").capitalize()
    if not sources:
        sources = tuple(dict.fromkeys(URL_PATTERN.findall(text)))
    doc_id = rel.with_suffix("").as_posix()
    digest = hashlib.sha256(f"{title}\n{as_of}\n{sources}\n{text}".encode()).hexdigest()
    return SourceDocument(doc_id, rel.as_posix(), title.strip(), as_of.strip(), sources, text, digest)


def _decode_text(raw: bytes, rel: Path) -> str:
    if b"\x00" in raw[:8192]:
        raise DocumentError(rel, "looks like a binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(rel, f"is not UTF-8 text (bad byte at position {exc.start})") from exc
    control = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > 8:
        raise DocumentError(rel, "looks like a binary file, not text")
    return text


def _read_markdown(text: str, rel: Path) -> tuple[str, str, tuple[str, ...], str]:
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError) as exc:
        raise DocumentError(rel, f"has a front matter block that is not valid YAML ({exc})") from exc
    meta = post.metadata
    sources = meta.get("sources") or meta.get("source") or ()
    if isinstance(sources, str):
        sources = (sources,)
    if not isinstance(sources, (list, tuple)):
        raise DocumentError(rel, "front matter 'sources' must be a list of URLs")
    as_of = meta.get("as_of") or meta.get("era") or meta.get("date") or ""
    return str(meta.get("title") or ""), str(as_of), tuple(str(s) for s in sources), post.content


def _read_pdf(raw: bytes, rel: Path) -> tuple[str, str, tuple[str, ...], str]:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    if not raw.startswith(b"%PDF"):
        raise DocumentError(rel, "is not a valid PDF (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise DocumentError(rel, "is an encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or ""
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(rel, f"is a broken PDF ({exc})") from exc
    except LimitReachedError as exc:
        raise DocumentError(rel, "is a PDF that expands to far more data than its size (a decompression bomb?)") from exc
    except NotImplementedError as exc:
        raise DocumentError(rel, f"is a PDF using a feature the PDF reader does not support ({exc})") from exc
    except Exception as exc:  # noqa: BLE001 - an uploaded file is untrusted input to a large parser:
        # whatever it raises, the admin must get the file's name and a reason, not a crash.
        raise DocumentError(rel, f"is a PDF that cannot be read ({type(exc).__name__}: {exc})") from exc
    return str(title), "", (), "\n\n".join(p.strip() for p in pages if p.strip())


def _read_html(text: str) -> tuple[str, str, tuple[str, ...], str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    lines = []
    # Keep headings as Markdown headings so the splitter can cut sections the same way.
    for element in soup.find_all(["h1", "h2", "h3", "p", "li", "td", "pre", "blockquote"]):
        content = element.get_text(" ", strip=True)
        if not content:
            continue
        if element.name in {"h1", "h2", "h3"}:
            lines.append("#" * int(element.name[1]) + " " + content)
        elif element.name == "li":
            lines.append("- " + content)
        else:
            lines.append(content)
    body = "\n\n".join(lines) or soup.get_text("\n", strip=True)
    sources = tuple(a["href"] for a in soup.find_all("a", href=True) if a["href"].startswith("http"))
    return title, "", tuple(dict.fromkeys(sources)), body


def _first_heading(text: str) -> str:
    match = re.search(r"^#\s+(.+)$", text, flags=re.MULTILINE)
    return match.group(1).strip() if match else ""
