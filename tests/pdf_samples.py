"""Hand-made PDFs that pypdf rejects in unusual ways: an unknown filter, a decompression bomb,
encryption it does not support. Built byte by byte, so they are exactly what a hostile or odd
producer could upload."""

from __future__ import annotations

import io
import zlib

TEXT = b"BT /F1 12 Tf 72 720 Td (Trade Assurance protects orders paid on Alibaba.com) Tj ET"
FILE_ID = b"/ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] "


def build_pdf(stream_dict: bytes, stream: bytes, trailer_extra: bytes = b"", extra_objects: tuple = ()) -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
               b" /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< " + stream_dict + b" /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", *extra_objects]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R ".encode() + trailer_extra
              + f">>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def rejected_pdfs() -> dict[str, bytes]:
    return {
        "unknown-filter.pdf": build_pdf(b"/Filter /FooDecode", TEXT),
        "bomb.pdf": build_pdf(b"/Filter /FlateDecode", zlib.compress(b" " * 200_000_000, 9)),
        "new-encryption.pdf": build_pdf(b"", TEXT, b"/Encrypt 6 0 R " + FILE_ID,
                                        (b"<< /Filter /Standard /V 7 /R 9 /O <00> /U <00> /P -4 /Length 128 >>",)),
        "other-handler.pdf": build_pdf(b"", TEXT, b"/Encrypt 6 0 R " + FILE_ID, (b"<< /Filter /WeirdHandler /V 2 >>",)),
    }
