"""Type stubs of the native module ``crux._crux`` (Rust, via pyo3).

Use the ``crux`` package instead: it turns these JSON strings and Arrow
batches into dicts and DataFrames.
"""

import pyarrow

def version() -> str:
    """The version of the native module."""

class NativeModel:
    """A model's text and the name its messages show, checked when made."""

    @staticmethod
    def load(path: str) -> NativeModel: ...
    @staticmethod
    def builtin() -> NativeModel: ...
    @staticmethod
    def from_text(text: str, name: str) -> NativeModel: ...
    @property
    def name(self) -> str: ...
    @property
    def text(self) -> str: ...
    def info(self) -> str:
        """A JSON object: id, title, unit, axis, params, derived, mechanisms, page, open_now."""
    def run(
        self,
        samples: int,
        seed: int,
        set: list[tuple[str, str]],
        profile: str | None,
        sensitivity: bool,
        robustness: bool,
        page: bool,
    ) -> tuple[str, str | None, str]:
        """``crux run``: (the JSON document, the Markdown page or None, the terminal text)."""
    def samples(
        self,
        samples: int,
        seed: int,
        at: list[float] | None,
        set: list[tuple[str, str]],
        profile: str | None,
    ) -> tuple[pyarrow.Schema, list[pyarrow.RecordBatch]]:
        """``crux samples``: the schema and the record batches, in sample order."""
    def sensitivity(
        self,
        at: float | None,
        samples: int,
        seed: int,
        set: list[tuple[str, str]],
        profile: str | None,
    ) -> tuple[str, str]:
        """``crux sensitivity``: (the JSON document, the text)."""
    def voi(
        self,
        at: float | None,
        across: bool,
        samples: int,
        seed: int,
        set: list[tuple[str, str]],
        profile: str | None,
    ) -> tuple[str, str]:
        """``crux voi``: (the JSON document, the text)."""
    def compare(self, profiles: list[str], samples: int, seed: int) -> tuple[str, str]:
        """``crux compare``: (the JSON document, the Markdown)."""
