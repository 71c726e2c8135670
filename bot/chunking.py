"""Splitting documents into cited chunks, and chunks into sentences.

A chunk is the unit of citation and of lexical search: one section of a document (cut by
heading, then by size). A sentence is the unit of dense search and of extractive answers.
Ids are content hashes, so an unchanged chunk keeps its id and its embeddings across ingests.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from bot.documents import URL_PATTERN, SourceDocument

CHUNK_SIZE = 1000
# Part of every chunk id: changing how sentences are embedded re-embeds everything once.
EMBEDDING_SCHEME = "all-MiniLM-L6-v2/section-prefixed-sentences+section-questions/v2"
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]
_header_splitter = MarkdownHeaderTextSplitter(headers_to_split_on=_HEADERS, strip_headers=True)
_size_splitter = RecursiveCharacterTextSplitter(
    chunk_size=CHUNK_SIZE, chunk_overlap=0, separators=["\n\n", "\n", ". ", " ", ""], keep_separator="end"
)
_SOURCES_LINE = re.compile(r"^\s*(?:[-*]\s*)?sources?\s*:\s*(.*)$", re.IGNORECASE)
# "Also asked: phrasing | phrasing": other ways users ask the question a section answers.
_ALSO_ASKED_LINE = re.compile(r"^\s*also asked\s*:\s*(.*)$", re.IGNORECASE)
# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = ("U.S.", "e.g.", "i.e.", "etc.", "Inc.", "Ltd.", "Co.", "No.", "vs.", "approx.", "St.", "Mr.", "Ms.", "Dr.")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”)\]]*\s+(?=[\"'“(\[]?[A-Z0-9])")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    title: str
    section: str
    as_of: str
    source: str  # the section's own source URLs if it lists them, else the document's
    text: str
    sentences: tuple[str, ...]
    # The questions the section answers: its heading when phrased as a question, then the
    # "Also asked" phrasings. They are matched against users' questions, never quoted.
    questions: tuple[str, ...] = ()

    def embedding_texts(self) -> list[str]:
        """What is embedded for each sentence (the section heading gives a short sentence its
        topic), then each question as asked."""
        return [f"{self.section}: {sentence}" for sentence in self.sentences] + list(self.questions)

    def metadata(self) -> dict[str, str]:
        return {
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "as_of": self.as_of,
            "source": self.source,
        }


def split_document(doc: SourceDocument) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section_doc in _header_splitter.split_text(doc.text):
        headers = section_doc.metadata
        section = " > ".join(headers[k] for k in ("h2", "h3") if k in headers) or headers.get("h1", "") or doc.title
        body, section_sources = _strip_sources_lines(section_doc.page_content)
        body, also_asked = _strip_also_asked_lines(body)
        source = " ; ".join(section_sources or doc.sources[:3])
        heading = section.rsplit(" > ", 1)[-1]
        questions = tuple(dict.fromkeys(([heading] if heading.endswith("?") else []) + also_asked))
        for piece in _size_splitter.split_text(body):
            sentences = tuple(split_sentences(piece))
            if not sentences:
                continue
            text = " ".join(sentences)
            digest = hashlib.sha256(
                "\x1f".join((EMBEDDING_SCHEME, doc.doc_id, doc.title, section, doc.as_of, source, text, *questions)).encode()
            ).hexdigest()[:32]
            chunks.append(Chunk(digest, doc.doc_id, doc.title, section, doc.as_of, source, text, sentences, questions))
    return _dedupe(chunks)


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage: list items and lines are sentences of their own."""
    sentences: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.)\s)", text):
        block = re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", block.strip())
        block = re.sub(r"\s+", " ", block).strip()
        if not block or block.startswith("|---"):
            continue
        sentences.extend(_split_block(block))
    return [s for s in sentences if len(re.findall(r"\w+", s)) >= 3]


def _split_block(block: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(block):
        candidate = block[start : match.start()].rstrip()
        if candidate.endswith(_ABBREVIATIONS):
            continue
        parts.append(candidate)
        start = match.end()
    parts.append(block[start:].strip())
    return [p for p in parts if p]


def _strip_sources_lines(text: str) -> tuple[str, list[str]]:
    kept, urls = [], []
    for line in text.splitlines():
        match = _SOURCES_LINE.match(line)
        if match:
            urls.extend(URL_PATTERN.findall(match.group(1)))
        else:
            kept.append(line)
    return "\n".join(kept), list(dict.fromkeys(urls))


def _strip_also_asked_lines(text: str) -> tuple[str, list[str]]:
    kept, phrasings = [], []
    for line in text.splitlines():
        match = _ALSO_ASKED_LINE.match(line)
        if match:
            phrasings.extend(p.strip() for p in match.group(1).split("|") if p.strip())
        else:
            kept.append(line)
    return "\n".join(kept), phrasings


def _dedupe(chunks: list[Chunk]) -> list[Chunk]:
    seen: set[str] = set()
    unique = []
    for chunk in chunks:
        if chunk.chunk_id not in seen:
            seen.add(chunk.chunk_id)
            unique.append(chunk)
    return unique
