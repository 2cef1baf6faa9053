"""The exception of the crux package (kept apart from the native module, which raises it)."""

from __future__ import annotations


class CruxError(Exception):
    """A problem with a model, a profile, an override or an argument.

    Attributes:
        message: what is wrong, in one sentence.
        file: the file (or override, such as ``set c_misuse``) it is in, if it has a place.
        line: the 1-based line of that place, if any.
        column: the 1-based column (in characters) of that place, if any.
        rendered: every diagnostic as text: ``file:line:col``, the line and a caret under the place.
    """

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None, rendered: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.rendered = rendered or message

    def __str__(self) -> str:
        return self.rendered.rstrip("\n")
