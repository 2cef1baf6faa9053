"""Crux from Python: probabilistic models of strategic questions.

A Crux model is a TOML file of uncertain beliefs (params), formulas over
them (derived values, mechanisms) and ``net = sum(benefits) - sum(risks)``,
usually across a capability axis. This package runs the same engine and
analyses as the ``crux`` command, with the same numbers for the same seed:

>>> import crux
>>> m = crux.Model.builtin()                      # or crux.Model.load("model.toml")
>>> r = m.run(samples=100_000, seed=1)
>>> r.net.loc[26.0, "mean"]                        # E[net] at c = 26
>>> r.report()                                     # the answered page, as Markdown
>>> m.samples(samples=10_000, seed=1, at=[26.3])   # every sample, as a DataFrame

Every computation releases the GIL. Problems raise :class:`CruxError`.
"""

from __future__ import annotations

import json as _json
import os
from typing import Any, Iterable, Mapping, Sequence

from . import _crux
from ._errors import CruxError

__all__ = ["CruxError", "Model", "RunResult", "compare", "__version__"]
__version__: str = _crux.version()



def _overrides(set: Mapping[str, str] | None) -> list[tuple[str, str]]:
    if set is None:
        return []
    if not isinstance(set, Mapping):
        raise TypeError("set must be a mapping of param names to expressions, such as {'harm': '5 to 50'}")
    return [(str(name), str(expr)) for name, expr in set.items()]


def _profile(profile: str | os.PathLike[str] | None) -> str | None:
    return None if profile is None else os.fspath(profile)


class RunResult:
    """The result of :meth:`Model.run`: the numbers of ``crux run`` for the same seed.

    Attributes:
        net: a DataFrame indexed by the axis (one row per grid point) with the
            columns ``mean, sd, p05, p25, p50, p75, p95, p_positive`` of net.
        mechanisms: a DataFrame indexed by the axis with each mechanism's mean effect.
    """

    def __init__(self, model: "Model", document: str, markdown: str | None, text: str,
                 options: dict[str, Any]) -> None:
        self._model = model
        self._document = document
        self._markdown = markdown
        self._text = text
        self._options = options
        self._json = _json.loads(document)
        self.net = self._net_frame()
        self.mechanisms = self._mechanism_frame()

    def _index(self):
        import pandas as pd

        axis = self._json.get("axis")
        if axis is None:
            return pd.RangeIndex(1, name="point")
        return pd.Index(axis["values"], name=axis["name"], dtype="float64")

    def _net_frame(self):
        import pandas as pd

        net = self._json["net"]
        columns = ["mean", "sd", "p05", "p25", "p50", "p75", "p95", "p_positive"]
        return pd.DataFrame({name: net[name] for name in columns}, index=self._index())

    def _mechanism_frame(self):
        import pandas as pd

        mechanisms = self._json["mechanisms"]
        return pd.DataFrame({name: value["mean"] for name, value in mechanisms.items()}, index=self._index())

    def json(self) -> dict[str, Any]:
        """The JSON document of ``crux run --format json`` as a dict (a fresh copy each call)."""
        return _json.loads(self._document)

    def json_text(self) -> str:
        """The JSON document of ``crux run --format json``, exactly as the CLI prints it."""
        return self._document

    def report(self) -> str:
        """The answered page as Markdown, as ``crux run --format md`` prints it.

        For a model without a page this runs the model again to build the
        summary page, as the CLI does for ``--format md``.
        """
        if self._markdown is None:
            _, markdown, _ = self._model._run_native(page=True, **self._options)
            self._markdown = markdown
        return self._markdown or ""

    def text(self) -> str:
        """The terminal text of ``crux run --format text``."""
        return self._text

    def _repr_markdown_(self) -> str:
        return self.report()

    def __repr__(self) -> str:
        model = self._json["model"]
        return f"<crux.RunResult {model['id']!r}: {self._json['samples']} samples, seed {self._json['seed']}>"


class Model:
    """A Crux model, checked when it is loaded.

    Create one with :meth:`Model.load` (a file), :meth:`Model.builtin` (the
    open-weights safety model) or :meth:`Model.from_text`. A model is
    immutable: beliefs are changed per call with ``set=`` (param name to
    expression) and ``profile=`` (a profile file or preset name).
    """

    def __init__(self, native: Any) -> None:
        self._native = native
        self._info: dict[str, Any] | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Model":
        """Reads and checks the model file at ``path``.

        Raises:
            CruxError: the file cannot be read or the model is malformed
                (with ``file``, ``line`` and ``column`` of the problem).
        """
        return cls(_crux.NativeModel.load(os.fspath(path)))

    @classmethod
    def builtin(cls) -> "Model":
        """The built-in model: is releasing AI model weights net positive for safety?"""
        return cls(_crux.NativeModel.builtin())

    @classmethod
    def from_text(cls, text: str, name: str = "<text>") -> "Model":
        """Checks a model given as TOML text; ``name`` is the file name its messages show."""
        return cls(_crux.NativeModel.from_text(text, name))

    @property
    def name(self) -> str:
        """The file name the model was read from."""
        return self._native.name

    @property
    def text(self) -> str:
        """The model file's text."""
        return self._native.text

    @property
    def info(self) -> dict[str, Any]:
        """The model's id, title, unit, axis, params, derived values and mechanisms."""
        if self._info is None:
            self._info = _json.loads(self._native.info())
        return self._info

    def _run_native(self, samples: int, seed: int, set: Mapping[str, str] | None,
                    profile: str | os.PathLike[str] | None, sensitivity: bool, robustness: bool, page: bool):
        return self._native.run(samples, seed, _overrides(set), _profile(profile), sensitivity, robustness, page)

    def run(self, samples: int = 100_000, seed: int = 1, set: Mapping[str, str] | None = None,
            profile: str | os.PathLike[str] | None = None, sensitivity: bool = True,
            robustness: bool = True) -> RunResult:
        """Runs the model, as ``crux run`` does, and answers its page.

        Args:
            samples: Monte Carlo samples (at most 10**8).
            seed: the random seed; the same seed gives the same numbers as the
                CLI, on any number of threads.
            set: beliefs to replace, param name to expression, such as
                ``{"c_misuse": "normal({p5: 25, p95: 26})"}`` (applied after ``profile``).
            profile: a profile file, or a preset name (``open-release-advocate``,
                ``conditional-on-capability``, ``security-first``).
            sensitivity: include each crux's share of the uncertainty and value of
                information in the report (``crux run --no-sensitivity`` leaves it out).
            robustness: include how robust the answer is to each judgement-only
                param (``crux run --no-robustness`` leaves it out).

        Returns:
            A :class:`RunResult`: ``.net`` and ``.mechanisms`` DataFrames,
            ``.report()`` (Markdown), ``.json()`` (the CLI's JSON as a dict).

        Raises:
            CruxError: a malformed override or profile, or a model that gives a
                value that is not a finite number.
        """
        options = {"samples": samples, "seed": seed, "set": set, "profile": profile, "sensitivity": sensitivity,
                   "robustness": robustness}
        document, markdown, text = self._run_native(page=False, **options)
        return RunResult(self, document, markdown, text, options)

    def samples_arrow(self, samples: int = 100_000, seed: int = 1, at: Iterable[float] | None = None,
                      set: Mapping[str, str] | None = None, profile: str | os.PathLike[str] | None = None):
        """Every sample as a ``pyarrow.Table``, with the columns of ``crux samples``.

        See :meth:`samples`; the record batches cross from Rust through the Arrow
        C data interface, without copies.
        """
        import pyarrow as pa

        points = None if at is None else [float(value) for value in at]
        schema, batches = self._native.samples(samples, seed, points, _overrides(set), _profile(profile))
        return pa.Table.from_batches(batches, schema=schema)

    def samples(self, samples: int = 100_000, seed: int = 1, at: Iterable[float] | None = None,
                set: Mapping[str, str] | None = None, profile: str | os.PathLike[str] | None = None):
        """Every sample as a pandas DataFrame: the samples ``run`` summarises with this seed.

        One row per sample and point, with the columns ``sample`` (1-based), the
        axis (such as ``c``; absent for a model without an axis), each param's
        draw, each derived value, each mechanism's effect (``ID_effect`` when a
        param or derived value is also called ``ID``) and ``net``.

        Args:
            samples: Monte Carlo samples.
            seed: the random seed (sample ``i`` is sample ``i`` of ``run`` with this seed).
            at: axis values; each names its nearest grid point. By default each
                sample's next open frontier release for a model with ``[context] next_release`` (or ``open_now``)
                (the axis column then differs per sample), else every grid point.
            set: beliefs to replace, param name to expression.
            profile: a profile file or preset name.

        Raises:
            CruxError: a value of ``at`` off the axis, a malformed override, or a
                value that is not a finite number.
        """
        return self.samples_arrow(samples=samples, seed=seed, at=at, set=set, profile=profile).to_pandas()

    def sensitivity(self, at: float | None = None, samples: int = 1 << 14, seed: int = 1,
                    set: Mapping[str, str] | None = None,
                    profile: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """Sobol indices of net per param and per crux: ``crux sensitivity --format json`` as a dict.

        Args:
            at: the axis value to analyse (its nearest grid point); by default the
                report's "now" (the next open frontier release), else the middle of the axis.
            samples: rows N of each matrix of the Saltelli design.
            seed: the seed of the scrambled Sobol' points and the bootstrap.
            set, profile: beliefs to change, as for :meth:`run`.
        """
        document, _ = self._native.sensitivity(at, samples, seed, _overrides(set), _profile(profile))
        return _json.loads(document)

    def voi(self, at: float | None = None, across: bool = False, samples: int = 100_000, seed: int = 1,
            set: Mapping[str, str] | None = None, profile: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """The value of information (EVPI, and EVPPI per crux): ``crux voi --format json`` as a dict.

        Args:
            at: the axis value to analyse (its nearest grid point); by default the
                report's "now" (the next open frontier release), else the middle of the axis.
            across: every grid point instead of one (the dict then has ``points``).
            samples: model runs for EVPI, and again for each crux's EVPPI.
            seed: the random seed.
            set, profile: beliefs to change, as for :meth:`run`.
        """
        document, _ = self._native.voi(at, across, samples, seed, _overrides(set), _profile(profile))
        return _json.loads(document)

    def __repr__(self) -> str:
        return f"<crux.Model {self.info['id']!r} from {self.name!r}>"


def compare(profiles: Sequence[str | os.PathLike[str]], model: Model | None = None, samples: int = 20_000,
            seed: int = 1) -> dict[str, Any]:
    """Views side by side and the double crux of each pair: ``crux compare --format json`` as a dict.

    Args:
        profiles: two or more profile files or preset names.
        model: the model (the built-in one by default).
        samples: Monte Carlo samples per view (the same seed for every view).
        seed: the random seed.
    """
    model = model if model is not None else Model.builtin()
    document, _ = model._native.compare([os.fspath(profile) for profile in profiles], samples, seed)
    return _json.loads(document)
