"""DOCX text with python-docx: paragraphs and table rows in document order.

The tables hold a report's statistics, so they are read where they stand, one tab-separated line
per row, rather than after the paragraphs as `Document.paragraphs` / `.tables` would give them.
"""

from __future__ import annotations

import io

from archive.readers.output import lines


def docx_text(body: bytes, kind: str) -> tuple[str | None, str]:
    """The document's paragraphs and table rows, in order; nothing is ever left out."""
    import docx

    document = docx.Document(io.BytesIO(body))
    return lines(_blocks(document.element.body, document)), ""


def _blocks(element, parent):
    """Paragraph texts and table rows under `element`, in document order."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent).text
        elif child.tag == qn("w:tbl"):
            yield from _table_rows(child, parent)
        elif child.tag in (qn("w:sdt"), qn("w:customXml"), qn("w:sdtContent")):
            yield from _blocks(child, parent)  # content controls wrap ordinary blocks


def _table_rows(table, parent):
    """One tab-separated line per row; a vertically merged cell is read once, where it starts."""
    from docx.oxml.ns import qn

    for row in table.iter(qn("w:tr")):
        if row.getparent() is not table and row.getparent().getparent() is not table:
            continue  # a row of a nested table: read as part of its cell
        cells = []
        for cell in row.iter(qn("w:tc")):
            if _owner_row(cell) is not row:
                continue
            merge = cell.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
            if merge is not None and merge.get(qn("w:val")) in (None, "continue"):
                continue
            cells.append(" ".join(_blocks(cell, parent)))
        yield "\t".join(" ".join(text.split()) for text in cells)


def _owner_row(cell):
    """The row a cell belongs to (a nested table's cell belongs to the nested row)."""
    from docx.oxml.ns import qn

    node = cell.getparent()
    while node is not None and node.tag != qn("w:tr"):
        node = node.getparent()
    return node
