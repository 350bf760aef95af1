"""The format readers behind `archive.documents`, one module per format family.

Each reader is `(body, kind) -> (text, note)`: the bytes of one attachment and the kind
`archive.readers.kinds` judged it to be, giving the text (None when it cannot be read) and a note
saying why not or what was left out. Readers may raise on hostile bytes; `archive.documents`
catches that, so a bad file never stops a cycle. Like `archive.text`, they are pure functions of
the archived bytes, so the whole archive can be re-read when a reader improves.
"""
