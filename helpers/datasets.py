"""Data shipped with the course, and the generators that turn data into (T, N, D) batches.

Files live in the repository's ``data/`` folder, next to ``SHA256SUMS``; every loader verifies the
file's SHA-256 before parsing it, and parses plain CSV text (no pickle). ``data/README.md`` says
where each file comes from and how it was made.

Shapes (time-major, as everywhere in the course)
------
series  (L, D)     one long recording: L time steps, D features
x       (T, N, D)  N windows of T consecutive steps, ``x[t]`` is step t of every window
y       (N, D_out) the value(s) to predict for each window
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .seeding import check_rng
from .shapes import check_array, check_choice, check_int, check_nonempty, check_real

__all__ = [
    "DATA_DIR",
    "data_file",
    "TimeSeries",
    "sha256_of",
    "verify_checksum",
    "load_seattle_daily_weather",
    "make_windows",
    "split_by_time",
    "make_stripe_images",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class TimeSeries:
    """A recorded multivariate time series.

    Attributes:
      times:   (L,) numpy datetime64 time stamps
      values:  (L, D) float64 measurements
      columns: D column names, with units
      source:  where the numbers come from
    """

    times: np.ndarray
    values: np.ndarray
    columns: tuple
    source: str

    def __len__(self) -> int:
        return len(self.times)

    def column(self, name: str) -> np.ndarray:
        """The (L,) values of one column, by name."""
        check_choice("name", name, self.columns)
        return self.values[:, self.columns.index(name)]


def _check_path(name, value):
    if not isinstance(value, (str, Path)):
        raise ValueError(f"{name}: expected a file path (str or pathlib.Path), got {type(value).__name__}")
    return Path(value)


def data_file(data_dir, file_name: str) -> Path:
    """The path of ``file_name`` in ``data_dir`` (None: the course's data/ folder)."""
    return (DATA_DIR if data_dir is None else _check_path("data_dir", data_dir)) / file_name


def sha256_of(path) -> str:
    """Hex SHA-256 of a file's bytes."""
    path = _check_path("path", path)
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_checksum(path, sums_file=None) -> str:
    """Check ``path`` against its line in ``SHA256SUMS`` (the ``sha256sum`` format); return the hash.

    Raises FileNotFoundError if the file is missing and ValueError if it is not listed or its
    contents changed.
    """
    path = _check_path("path", path)
    sums_file = _check_path("sums_file", sums_file) if sums_file is not None else path.parent / "SHA256SUMS"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; it ships with the course in data/ "
                                "(install the course with `pip install -e .` from a clone)")
    expected = None
    for line in sums_file.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == path.name:
            expected = parts[0].lower()
    if expected is None:
        raise ValueError(f"path: {path.name} has no entry in {sums_file}")
    actual = sha256_of(path)
    if actual != expected:
        raise ValueError(f"path: {path.name} has SHA-256 {actual}, expected {expected}; "
                         "the file was changed or damaged (restore it with `git checkout data/`)")
    return actual


def _read_csv(path) -> tuple:
    verify_checksum(path)
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [row for row in reader if row]
    return header, rows


def load_seattle_daily_weather(data_dir=None) -> tuple:
    """Daily weather observed in Seattle, 2012-2015: values (1461, 4) and each day's weather label.

    One row per day, no gaps. Columns: precipitation [mm], the day's maximum and minimum
    temperature [°C], and wind speed [m/s].
    Returns: (TimeSeries, labels) with labels a (1461,) array of strings such as "rain", "sun".
    """
    path = data_file(data_dir, "seattle_daily_weather_2012_2015.csv")
    header, rows = _read_csv(path)
    expected = ["date", "precipitation", "temp_max", "temp_min", "wind", "weather"]
    if header != expected:
        raise ValueError(f"{path.name}: unexpected header {header}, expected {expected}")
    times = np.array([r[0].replace("/", "-") for r in rows], dtype="datetime64[D]")
    values = np.array([[float(v) for v in r[1:5]] for r in rows])  # (L, 4)
    labels = np.array([r[5] for r in rows])
    series = TimeSeries(times=times, values=values,
                        columns=("precipitation [mm]", "max temperature [°C]",
                                 "min temperature [°C]", "wind [m/s]"),
                        source="NOAA daily observations, Seattle 2012-2015 (public domain), "
                               "as packaged in vega_datasets 0.9.0")
    return series, labels


def make_windows(series, window: int, horizon: int = 1, stride: int = 1, target=0):
    """Slice a long series into time-major input windows and the value ``horizon`` steps later.

    Window n covers steps [n*stride, n*stride + window); its target is the series at step
    n*stride + window - 1 + horizon, i.e. ``horizon`` steps after the window's last step.

    Inputs:
      series:  (L, D) array (a 1-d (L,) series is treated as D = 1)
      window:  T, the number of input steps
      horizon: how many steps after the last input step the target lies (>= 1)
      stride:  steps between the starts of consecutive windows
      target:  column index (or non-empty list of indices) to predict; negative ones count from the end
    Returns:
      x: (T, N, D) inputs, time-major
      y: (N, D_out) targets, D_out = number of target columns
    """
    series = check_array("series", series)
    if series.ndim == 1:
        series = series[:, None]  # (L, 1)
    check_array("series", series, ("L", "D"))
    check_nonempty("series", series, 1, "column (D >= 1)")
    for name, value in (("window", window), ("horizon", horizon), ("stride", stride)):
        check_int(name, value)
    L, D = series.shape
    cols = np.atleast_1d(np.asarray(target))
    if cols.ndim != 1 or cols.size == 0 or cols.dtype.kind not in "iu" or cols.min() < -D or cols.max() >= D:
        raise ValueError(f"target: expected column indices in [0, {D}) (or counted from the end, in [-{D}, 0)): "
                         f"one index or a non-empty list of them, got {target!r}")
    n = (L - window - horizon) // stride + 1
    if n < 1:
        raise ValueError(f"window: window + horizon = {window + horizon} exceeds the series "
                         f"length {L}; expected window + horizon <= L")
    starts = np.arange(n) * stride  # (N,)
    steps = starts[None, :] + np.arange(window)[:, None]  # (T, N)
    x = series[steps]  # (T, N, D)
    y = series[starts + window - 1 + horizon][:, cols]  # (N, D_out)
    return x, y


def split_by_time(x, y, fractions=(0.7, 0.15, 0.15), gap: int = 0):
    """Split windows into train / validation / test by time: earliest first, no shuffling.

    Inputs:
      x (T, N, D), y (N, ...): windows in time order, as made by :func:`make_windows`
      fractions: shares of the N windows for the three sets, summing to 1
      gap:       windows dropped at each of the two boundaries. Neighbouring windows overlap, so
                 without a gap the first validation windows share days with the last training
                 windows; with stride 1, ``gap = T + horizon - 1`` removes every shared day.
    Returns:
      ((x_train, y_train), (x_val, y_val), (x_test, y_test)), each in the same layout

    A random split would be worse still: near-copies of test windows would land in training.
    """
    x = check_array("x", x, ("T", "N", "D"))
    if x.shape[1] < 3:
        raise ValueError(f"x: expected at least 3 windows (N >= 3) to fill three sets, got shape {x.shape}")
    y = np.asarray(y)
    if y.shape[:1] != x.shape[1:2]:
        raise ValueError(f"y: expected shape (N, ...) with N = {x.shape[1]}, got {y.shape}")
    fractions = np.asarray(fractions)
    if (fractions.shape != (3,) or fractions.dtype.kind not in "iuf" or np.any(fractions < 0)
            or not np.isclose(fractions.sum(), 1.0)):
        raise ValueError(f"fractions: expected three non-negative numbers summing to 1, got {fractions}")
    fractions = fractions.astype(np.float64)
    if isinstance(gap, bool) or not isinstance(gap, (int, np.integer)) or gap < 0:
        raise ValueError(f"gap: expected a non-negative int, got {gap!r}")
    n = x.shape[1]
    cut1, cut2 = int(round(fractions[0] * n)), int(round((fractions[0] + fractions[1]) * n))
    bounds = ((0, cut1), (cut1 + gap, cut2), (cut2 + gap, n))
    if any(b - a < 1 for a, b in bounds):
        raise ValueError(f"gap: {gap} windows at each boundary leave an empty set out of {n} windows; "
                         "expected a smaller gap or more windows")
    return tuple((x[:, a:b], y[a:b]) for a, b in bounds)


def make_stripe_images(n_per_class: int, size: int, rng: np.random.Generator,
                       noise: float = 0.1) -> tuple:
    """Synthetic RGB images of vertical or horizontal stripes, at random phases, widths and colours.

    Two images of the same class can differ in almost every pixel (shifted stripes, other colours)
    yet mean the same thing — the point of a "semantic vector".

    Returns: images (2 * n_per_class, 3, size, size) in [0, 1]; labels (2 * n_per_class,) with
             0 = vertical stripes, 1 = horizontal stripes
    """
    check_rng(rng)
    check_int("n_per_class", n_per_class)
    check_int("size", size, minimum=4)
    check_real("noise", noise, inclusive=True, what="a non-negative finite standard deviation")
    n = 2 * n_per_class
    labels = np.repeat([0, 1], n_per_class)  # (n,)
    period = rng.integers(3, max(4, size // 2), size=n)  # (n,) stripe period in pixels
    phase = rng.uniform(0, 2 * np.pi, size=n)  # (n,)
    colour = rng.uniform(0.2, 1.0, size=(n, 3))  # (n, 3)
    coord = np.arange(size)  # (S,)
    wave = 0.5 + 0.5 * np.sign(np.sin(2 * np.pi * coord[None, :] / period[:, None] + phase[:, None]))  # (n, S)
    pattern = np.where(labels[:, None, None] == 0,
                       np.broadcast_to(wave[:, None, :], (n, size, size)),   # vertical: varies along columns
                       np.broadcast_to(wave[:, :, None], (n, size, size)))  # horizontal: along rows
    images = colour[:, :, None, None] * pattern[:, None]  # (n, 3, S, S)
    images = images + noise * rng.standard_normal(images.shape)
    return np.clip(images, 0.0, 1.0), labels
