"""Shape validation: turn a would-be broadcasting error into a message a learner can act on.

Public functions check an argument against a *shape spec* — a tuple whose entries are

* an ``int``: that axis must have exactly this length,
* a ``str`` such as ``"T"`` or ``"N"``: a named size, bound the first time it is seen and then
  enforced everywhere else it appears (so ``x: (T, N, D)`` and ``h0: (N, H)`` must agree on N),
* ``None``: any length.

Every failure is a ``ValueError`` that names the argument, the shape received and the shape
expected, e.g. ``h0: expected shape (N, H) = (2, 3), got (3,)``.

The course letters: T time steps, N sequences in the batch, D input features, H hidden units.
"""
from __future__ import annotations

import warnings
from dataclasses import fields, replace
from typing import Mapping, MutableMapping, Sequence

import numpy as np

__all__ = ["check_array", "check_shape", "check_params", "format_spec", "check_int", "check_real",
           "check_float_dtype", "with_settings", "FLOAT_DTYPES", "check_ids", "check_token_batch", "check_finite",
           "check_nonempty", "check_instance", "check_mask", "check_strings", "check_choice"]

Spec = Sequence["int | str | None"]


def format_spec(spec: Spec, dims: Mapping[str, int] | None = None) -> str:
    """Render a shape spec for a message: ``("T", "N", 3)`` -> ``"(T, N, 3)"``.

    When some named sizes are already known, their values are appended:
    ``(T, N, D) = (?, 2, 3)``.
    """
    dims = dims or {}

    def one(entry) -> str:
        return "?" if entry is None else str(entry)

    names = "(" + ", ".join(one(e) for e in spec) + ("," if len(spec) == 1 else "") + ")"
    if not any(isinstance(e, str) and e in dims for e in spec):
        return names
    values = [str(dims[e]) if isinstance(e, str) and e in dims else
              (str(e) if isinstance(e, int) else "?") for e in spec]
    return names + " = (" + ", ".join(values) + ("," if len(spec) == 1 else "") + ")"


def check_shape(name: str, shape: Sequence[int], spec: Spec,
                dims: MutableMapping[str, int] | None = None) -> dict:
    """Check a shape tuple against ``spec``; bind and return the named sizes.

    Inputs:
      name:  the argument's name, used in the error message (e.g. ``"x"`` or ``"params['W']"``)
      shape: the shape received
      spec:  the expected shape (ints, size names, or None)
      dims:  named sizes already known; updated in place with newly bound names
    Returns:
      dims:  the same mapping (a new dict if none was given)
    Raises:
      ValueError naming the argument, the shape received and the shape expected.
    """
    dims = {} if dims is None else dims
    shape = tuple(int(s) for s in shape)
    spec = tuple(spec)
    if len(shape) != len(spec):
        raise ValueError(
            f"{name}: expected a {len(spec)}-d array of shape {format_spec(spec, dims)}, "
            f"got a {len(shape)}-d array of shape {shape}")
    bound = dict(dims)
    for size, entry in zip(shape, spec):
        if entry is None:
            continue
        if isinstance(entry, str):
            if entry in bound and bound[entry] != size:
                raise ValueError(f"{name}: expected shape {format_spec(spec, dims)}, got {shape} "
                                 f"({entry} should be {bound[entry]}, not {size})")
            bound[entry] = size
        elif size != entry:
            raise ValueError(f"{name}: expected shape {format_spec(spec, dims)}, got {shape}")
    dims.update(bound)
    return dims


def check_array(name: str, a, spec: Spec | None = None,
                dims: MutableMapping[str, int] | None = None,
                floating: bool = True) -> np.ndarray:
    """Convert ``a`` to an array and check it; return the array.

    Inputs:
      name:     the argument's name for error messages
      a:        anything ``np.asarray`` accepts
      spec:     expected shape (see module docstring), or None for any shape
      dims:     named sizes already known; updated in place
      floating: if True, require a real floating dtype (integers are converted to float64)
    Returns:
      the array (no copy when ``a`` already is a suitable array)
    """
    arr = np.asarray(a)
    if floating:
        if arr.dtype.kind in "biu":
            arr = arr.astype(np.float64)
        elif arr.dtype.kind != "f":
            raise ValueError(f"{name}: expected a real floating-point array, got dtype {arr.dtype}")
    if spec is not None:
        check_shape(name, arr.shape, spec, dims)
    return arr


def check_params(params, specs: Mapping[str, Spec], dims: MutableMapping[str, int] | None = None,
                 name: str = "params", optional: Sequence[str] = ()) -> dict:
    """Check a parameter dict: every required key present, no unknown key, every shape right.

    Inputs:
      params:   dict of arrays, keyed by the paper's notation (e.g. ``{"U", "W", "b"}``)
      specs:    expected shape spec per key, e.g. ``{"W": ("H", "H"), "b": ("H",)}``
      dims:     named sizes already known (e.g. ``{"D": 3}``); updated in place
      name:     what to call the dict in messages
      optional: keys that may be absent (e.g. peepholes); if present they are checked
    Returns:
      dims, with every size the parameters bind
    """
    dims = {} if dims is None else dims
    if not isinstance(params, Mapping):
        raise ValueError(f"{name}: expected a dict of arrays with keys {sorted(specs)}, "
                         f"got {type(params).__name__}")
    missing = [k for k in specs if k not in params and k not in optional]
    if missing:
        raise ValueError(f"{name}: missing key(s) {missing}; expected keys {list(specs)}")
    unknown = [k for k in params if k not in specs]
    if unknown:
        raise ValueError(f"{name}: unknown key(s) {unknown}; expected keys {list(specs)}")
    for key, spec in specs.items():
        if key in params:
            a = params[key]
            # a real array of the right shape passes at once (training loops check every step); anything else
            # goes through check_array, which names what is wrong
            if not (type(a) is np.ndarray and a.dtype.kind in "fbiu" and (spec is None or _fits(a.shape, spec, dims))):
                check_array(f"{name}[{key!r}]", a, spec, dims)
    return dims


def _fits(shape: tuple, spec: Spec, dims: MutableMapping[str, int]) -> bool:
    """Would check_shape accept ``shape``? If so, bind its new names in ``dims`` as check_shape does."""
    if len(shape) != len(spec):
        return False
    new = {}
    for size, entry in zip(shape, spec):
        if entry is None:
            continue
        if isinstance(entry, str):
            if entry in new or entry in dims:
                if (new[entry] if entry in new else dims[entry]) != size:
                    return False
            else:
                new[entry] = size
        elif size != entry:
            return False
    dims.update(new)
    return True


def check_ids(name: str, ids, vocab: int | None = None, spec: Spec | None = None,
              dims: MutableMapping[str, int] | None = None, what: str = "token ids") -> np.ndarray:
    """``ids`` as an integer array (not bool, not float: no silent rounding) of shape ``spec``, every value in
    [0, vocab) when ``vocab`` is given (no Python-style negative indexing); else a ValueError naming it.
    An empty list is accepted as an empty int64 array."""
    arr = np.asarray(ids)
    if arr.size == 0 and arr.dtype.kind in "fb":
        arr = arr.astype(np.int64)  # np.asarray([]) is float64: no float id in it
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name}: expected integer {what}, got dtype {arr.dtype}")
    if spec is not None:
        check_shape(name, arr.shape, spec, dims)
    if vocab is not None and arr.size and (arr.min() < 0 or arr.max() >= vocab):
        raise ValueError(f"{name}: expected {what} in [0, {vocab}), got values from {arr.min()} to {arr.max()}")
    return arr


def check_token_batch(name: str, ids, vocab: int, n: int | None = None, axes: str = "(N, T)") -> np.ndarray:
    """A batch of padded token ids: a non-empty 2-D integer array, ``n`` rows when given (the sequences of the
    source it goes with), every id in [0, vocab); else a ValueError naming it and the shape ``axes``."""
    ids = np.asarray(ids)
    if ids.ndim != 2 or ids.dtype.kind not in "iu" or 0 in ids.shape:
        raise ValueError(f"{name}: expected a non-empty integer array of token ids of shape {axes}, "
                         f"got shape {ids.shape}, dtype {ids.dtype}")
    if n is not None and ids.shape[0] != n:
        raise ValueError(f"{name}: expected shape {axes} with N = {n} sequences (from src), got {ids.shape}")
    return check_ids(name, ids, vocab)


def check_finite(name: str, a) -> np.ndarray:
    """``a`` (an array) if every entry is finite; else a ValueError naming it and counting the nan/inf entries."""
    bad = int(np.size(a) - np.count_nonzero(np.isfinite(a)))
    if bad:
        raise ValueError(f"{name}: expected finite values, got {bad} nan or inf of {np.size(a)} entries")
    return a


def check_nonempty(name: str, a: np.ndarray, axis: int | None = None, what: str = "entry") -> np.ndarray:
    """``a`` if it has at least one entry (``axis`` None) or one position along ``axis``; else a ValueError
    such as ``k: expected at least one key (Tk >= 1), got shape (2, 0, 4)``."""
    if (a.size if axis is None else a.shape[axis]) < 1:
        raise ValueError(f"{name}: expected at least one {what}, got shape {a.shape}")
    return a


def check_instance(name: str, value, cls, what: str):
    """``value`` if it is an instance of ``cls``; else a ValueError such as
    ``cache: expected the FFNCache returned by ffn_forward, got MHACache``."""
    if not isinstance(value, cls):
        raise ValueError(f"{name}: expected {what}, got {type(value).__name__}")
    return value


def check_mask(name: str, mask, target: Sequence[int], axes: str):
    """None, or a boolean mask (True = may attend) broadcastable to the shape ``target``, whose axes are
    named ``axes`` (e.g. "(..., Tq, Tk)") in the message; else a ValueError naming it."""
    if mask is None:
        return None
    mask = np.asarray(mask)
    target = tuple(int(t) for t in target)
    if mask.dtype != bool:
        raise ValueError(f"{name}: expected a boolean array (True = may attend), got dtype {mask.dtype}")
    try:
        if np.broadcast_shapes(mask.shape, target) != target:
            raise ValueError
    except ValueError:
        raise ValueError(f"{name}: expected a shape broadcastable to {axes} = {target}, got {mask.shape}") from None
    return mask


def check_strings(name: str, value, n: int | None = None, what: str = "strings") -> list:
    """``value`` as a list of str: a list, tuple or 1-D array of at least one str (exactly ``n`` when given); a
    single str is refused (iterating it would give its characters); else a ValueError naming it."""
    if isinstance(value, str) or not isinstance(value, (list, tuple, np.ndarray)):
        raise ValueError(f"{name}: expected a list of {what}, got {type(value).__name__}"
                         + (f" {value!r}; wrap one in a list" if isinstance(value, str) else ""))
    items = list(value) if not isinstance(value, np.ndarray) or value.ndim == 1 else None
    if items is None or not items or not all(isinstance(v, str) for v in items):
        kinds = sorted({type(v).__name__ for v in items}) if items else []
        got = f"shape {value.shape}" if items is None else (f"items of type {kinds}" if items else "an empty list")
        raise ValueError(f"{name}: expected a non-empty list of {what}, got {got}")
    if n is not None and len(items) != n:
        raise ValueError(f"{name}: expected {n} {what}, got {len(items)}")
    return items


def check_choice(name: str, value, choices: Sequence[str]) -> str:
    """``value`` if it is one of the strings ``choices``; else a ValueError naming it (an array or another
    unhashable value included: no bare "truth value of an array is ambiguous")."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}: expected one of {tuple(choices)}, got {value!r}")
    return value


def check_int(name: str, value, minimum: int = 1) -> int:
    """``value`` as an int if it is an integer (not a bool) of at least ``minimum``; else a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        wanted = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{name}: expected {wanted}, got {value!r}")
    return int(value)


def check_real(name: str, value, minimum: float | None = 0.0, *, inclusive: bool = False,
               maximum: float | None = None, allow_none: bool = False, what: str | None = None) -> float | None:
    """``value`` as a float if it is a finite real number (not a bool) above ``minimum`` (at or above it with
    ``inclusive``) and below ``maximum``; None if ``allow_none`` and it is None; else a ValueError naming it.

    ``what`` words the expectation (default: "a positive finite number", "a non-negative finite number" or
    "a finite number in [minimum, maximum)").
    """
    if allow_none and value is None:
        return None
    ok = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating)) \
        and bool(np.isfinite(value))
    if ok and minimum is not None:
        ok = value >= minimum if inclusive else value > minimum
    if ok and maximum is not None:
        ok = value < maximum
    if not ok:
        if what is None:
            if maximum is not None:
                what = f"a finite number in {'[' if inclusive else '('}{minimum}, {maximum})"
            elif minimum == 0.0:
                what = "a non-negative finite number" if inclusive else "a positive finite number"
            elif minimum is None:
                what = "a finite number"
            else:
                what = f"a finite number {'>=' if inclusive else '>'} {minimum}"
        raise ValueError(f"{name}: expected {'None or ' if allow_none else ''}{what}, got {value!r}")
    return float(value)


FLOAT_DTYPES = ("float32", "float64")


def check_float_dtype(dtype) -> str:
    """The name of ``dtype`` ("float32" or "float64"), given as a name, a NumPy type or a dtype; else a ValueError."""
    try:
        with warnings.catch_warnings():  # a deprecated alias such as "a" is refused below, without a warning
            warnings.simplefilter("ignore")
            name = None if dtype is None else np.dtype(dtype).name  # (np.dtype(None) would be float64)
    except (TypeError, ValueError):
        name = None
    if name not in FLOAT_DTYPES:
        raise ValueError(f"dtype: expected one of {FLOAT_DTYPES}, got {dtype!r}")
    return name


def with_settings(config, config_type, settings: dict):
    """``config`` (None: the defaults of ``config_type``) with ``settings`` replacing some of its fields; a
    ValueError names a setting that is not a field."""
    if config is None:
        config = config_type()
    elif not isinstance(config, config_type):
        raise ValueError(f"config: expected a {config_type.__name__} or None, got {type(config).__name__}")
    unknown = sorted(set(settings) - {f.name for f in fields(config_type)})
    if unknown:
        raise ValueError(f"{unknown[0]}: not a setting of {config_type.__name__}; expected one of "
                         f"{[f.name for f in fields(config_type)]}")
    return replace(config, **settings) if settings else config
