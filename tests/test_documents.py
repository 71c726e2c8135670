"""Reading and validating documents: every supported format, and every way a file can be bad."""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from bot.chunking import split_document, split_sentences
from bot.documents import DocumentError, find_document_paths, load_document
from pdf_samples import rejected_pdfs

LIMIT = 100_000


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_markdown_front_matter_gives_title_era_and_sources(tmp_path):
    path = write(tmp_path, "fees.md", "---\ntitle: Card fees\nas_of: 2018\nsources:\n  - https://example.com/a\n---\n# Card fees\n\n## Cards\n\nThe card fee was 2.95% in 2018.\n")
    doc = load_document(path, tmp_path, LIMIT)
    assert (doc.doc_id, doc.title, doc.as_of, doc.sources) == ("fees", "Card fees", "2018", ("https://example.com/a",))


def test_text_html_and_pdf_are_read(tmp_path):
    write(tmp_path, "note.txt", "Plain text notes about Trade Assurance refunds and disputes.")
    write(tmp_path, "page.html", "<html><head><title>Easy Return</title><script>x=1</script></head><body><h2>Limits</h2><p>Easy Return covers orders up to US$3,000.</p></body></html>")
    fig = plt.figure()
    fig.text(0.1, 0.5, "MYbank lends to small firms in three minutes.")
    fig.savefig(tmp_path / "report.pdf")
    plt.close(fig)
    docs = {d.doc_id: d for d in (load_document(p, tmp_path, LIMIT) for p in find_document_paths(tmp_path))}
    assert "Plain text notes" in docs["note"].text
    assert docs["page"].title == "Easy Return" and "## Limits" in docs["page"].text and "x=1" not in docs["page"].text
    assert "MYbank lends to small firms" in docs["report"].text


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.md", "", "is empty"),
        ("blank.txt", "   \n\n  ", "is empty"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + bytes(range(256)), "binary"),
        ("latin1.txt", "caf\xe9 prices".encode("latin-1"), "not UTF-8"),
        ("broken.pdf", b"%PDF-1.4\n this is not really a pdf", "broken PDF"),
        ("fake.pdf", b"hello, I am text pretending to be a PDF", "not a valid PDF"),
        ("bad-front.md", "---\ntitle: [unclosed\n---\nSome words here to read.", "front matter"),
        ("no-words.md", "---\ntitle: x\n---\n# \n\n...\n", "no readable text"),
    ],
)
def test_bad_documents_are_refused_with_file_and_reason(tmp_path, name, data, reason):
    path = write(tmp_path, name, data)
    with pytest.raises(DocumentError) as err:
        load_document(path, tmp_path, LIMIT)
    assert name in str(err.value) and reason in str(err.value)


def test_oversized_document_is_refused(tmp_path):
    path = write(tmp_path, "huge.txt", "word " * 30_000)
    with pytest.raises(DocumentError, match="over the 100,000-byte limit"):
        load_document(path, tmp_path, LIMIT)


def test_hidden_and_unsupported_files_are_not_documents(tmp_path):
    write(tmp_path, ".draft.md", "secret draft words here")
    write(tmp_path, "figures.csv", "a,b\n1,2\n")
    write(tmp_path, "guide.md", "# Guide\n\nA short guide to Trade Assurance.")
    assert [p.name for p in find_document_paths(tmp_path)] == ["guide.md"]


def test_chunks_follow_headings_and_ids_are_content_hashes(tmp_path):
    text = "---\ntitle: T\n---\n# T\n\n## Refunds\n\nRefunds start within 7 business days.\n\n## Disputes\n\nThe supplier has 3 days to answer.\n\nSources: https://example.com/d\n"
    doc = load_document(write(tmp_path, "t.md", text), tmp_path, LIMIT)
    chunks = split_document(doc)
    assert [c.section for c in chunks] == ["Refunds", "Disputes"]
    assert chunks[1].source == "https://example.com/d" and "Sources" not in chunks[1].text
    again = split_document(load_document(write(tmp_path, "t.md", text.replace("7 business", "10 business")), tmp_path, LIMIT))
    assert again[1].chunk_id == chunks[1].chunk_id and again[0].chunk_id != chunks[0].chunk_id


def test_sentences_keep_abbreviations_and_figures_whole():
    text = "The U.S. Trade Assurance rules took effect on 25 Jul 2019. The fee was 2.95% from 4 June 2018.\n- Apple Pay caps one payment at US$12,000."
    assert split_sentences(text) == [
        "The U.S. Trade Assurance rules took effect on 25 Jul 2019.",
        "The fee was 2.95% from 4 June 2018.",
        "Apple Pay caps one payment at US$12,000.",
    ]


@pytest.mark.parametrize("name", sorted(rejected_pdfs()))
def test_pdfs_pypdf_rejects_in_unusual_ways_are_refused_by_name(tmp_path, name):
    """Issue 10, item 15: errors outside pypdf's usual ones (unknown filter, decompression limit,
    unsupported encryption) are a DocumentError naming the file, not a crash."""
    path = write(tmp_path, name, rejected_pdfs()[name])
    with pytest.raises(DocumentError, match=name):
        load_document(path, tmp_path, 5_000_000)


def test_ingest_names_an_unreadable_pdf_without_a_traceback(tmp_path, knowledge_copy):
    """The admin's command: exit non-zero, name the file, no traceback."""
    import subprocess
    import sys

    (knowledge_copy / "bomb.pdf").write_bytes(rejected_pdfs()["bomb.pdf"])
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "KNOWLEDGE_DIR": str(knowledge_copy)}
    done = subprocess.run([sys.executable, "ingest.py", "--quiet"], cwd=Path(__file__).resolve().parent.parent,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "bomb.pdf" in done.stderr and "Traceback" not in done.stderr
