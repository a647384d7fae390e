"""numpy dtypes <-> the wire's DType codes."""

from __future__ import annotations

import numpy as np

from streamvis.proto import DTYPE_CODES, DTYPE_STRINGS

__all__ = ["decode_buffer", "numpy_dtype", "wire_dtype"]

_NUMPY = {code: np.dtype(text) for code, text in DTYPE_STRINGS.items()}
_WIRE = {np.dtype(text): code for text, code in DTYPE_CODES.items()}
_WIRE.update({dt.newbyteorder(">"): code for dt, code in list(_WIRE.items())})
SUPPORTED = ", ".join(sorted({str(dt) for dt in _NUMPY.values()}))


def wire_dtype(dtype: np.dtype) -> int:
    """The wire code of a numeric numpy dtype; ``TypeError`` names the dtype otherwise."""
    code = _WIRE.get(dtype)
    if code is None:
        raise TypeError(f"values of dtype {dtype} cannot be logged; expected one of {SUPPORTED}")
    return code


def numpy_dtype(code: int) -> np.dtype:
    """The little-endian numpy dtype of a wire code; ``ValueError`` if the code is unknown."""
    try:
        return _NUMPY[code]
    except KeyError:
        raise ValueError(f"unknown field dtype code {code!r}") from None


def decode_buffer(buffer: bytes, code: int) -> np.ndarray:
    """Little-endian bytes back to a 1-D array; ``ValueError`` if the length is ragged."""
    dtype = numpy_dtype(code)
    if len(buffer) % dtype.itemsize:
        raise ValueError(f"{len(buffer)} bytes is not a whole number of {dtype} values")
    return np.frombuffer(buffer, dtype=dtype)
