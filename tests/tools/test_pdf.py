"""`make pdf` (tools/pdf.py) without a browser: where each edition's PDF goes, and the landing
page's link to it, hidden until the file exists. Printing itself is tested on the built book
(tests/tools/test_book.py)."""

from tools import pdf


def test_the_landing_page_shows_its_pdf_link_only_once_the_pdf_exists(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "OUTPUT", tmp_path)
    index = tmp_path / "zh_CN" / "book" / "index.html"
    index.parent.mkdir(parents=True)
    index.write_text(f"<a {pdf.HIDDEN_LINK}>PDF</a>", encoding="utf-8")
    assert pdf.pdf_path("zh_CN") == tmp_path / "zh_CN" / "pdf" / "course.pdf"
    assert not pdf.show_pdf_link("zh_CN"), "no PDF yet: the link stays hidden"
    assert " hidden" in index.read_text(encoding="utf-8")
    pdf.pdf_path("zh_CN").parent.mkdir(parents=True)
    pdf.pdf_path("zh_CN").write_bytes(b"%PDF-1.7")
    assert pdf.show_pdf_link("zh_CN")
    assert " hidden" not in index.read_text(encoding="utf-8")
