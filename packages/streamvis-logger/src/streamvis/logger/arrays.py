"""Turn what users pass to ``write`` into arrays, without importing torch, jax or tensorflow.

Host values (Python numbers and lists, numpy arrays, anything with ``__array__``) are copied at
``write`` time. Tensors that may live on an accelerator are captured without a device sync:
torch tensors as ``detach().clone()``, jax and tensorflow arrays (immutable) by reference. The
background worker copies them to the host later (``host_array``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Deferred", "capture", "host_array", "host_scalars", "shape_of"]

NUMERIC_KINDS = "biuf"


class Deferred:
    """A tensor captured on its device; the worker copies it to the host."""

    __slots__ = ("value", "shape", "dtype")

    def __init__(self, value: Any, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.value = value
        self.shape = shape
        self.dtype = dtype


def _numpy_dtype_of(dtype: Any) -> np.dtype:
    if isinstance(dtype, np.dtype):
        return np.dtype("float32") if dtype.name == "bfloat16" else dtype
    name = getattr(dtype, "name", None)
    if not isinstance(name, str):
        name = str(dtype).removeprefix("torch.")
    if name == "bfloat16":
        return np.dtype("float32")  # numpy has no bfloat16: widen exactly
    return np.dtype(name)


def _describe(value: Any) -> str:
    return type(value).__module__ + "." + type(value).__qualname__


def _check_numeric(dtype: np.dtype, name: str, field: str, value: Any) -> None:
    if dtype.kind not in NUMERIC_KINDS:
        raise TypeError(
            f"write({name!r}): field {field!r} has non-numeric dtype {dtype} "
            f"(from {_describe(value)}); expected bool, int, uint or float values"
        )


def _is_cpu(device: Any) -> bool:
    kind = getattr(device, "type", None) or getattr(device, "platform", None)
    if kind is None:
        kind = str(device).lower()
        return "gpu" not in kind and "tpu" not in kind and "cuda" not in kind
    return kind == "cpu"


def capture(value: Any, name: str, field: str) -> np.ndarray | Deferred:
    """A private copy of ``value`` (numpy), or a device-side capture of a tensor."""
    if isinstance(value, np.ndarray):
        _check_numeric(value.dtype, name, field, value)
        return value.copy()
    if hasattr(value, "detach") and hasattr(value, "shape"):  # torch-like
        tensor = value.detach()
        dtype = _numpy_dtype_of(tensor.dtype)
        _check_numeric(dtype, name, field, value)
        if _is_cpu(getattr(tensor, "device", "cpu")):
            return host_array(Deferred(tensor, tuple(tensor.shape), dtype), copy=True)
        return Deferred(tensor.clone(), tuple(tensor.shape), dtype)
    if hasattr(value, "block_until_ready") or (
        hasattr(value, "numpy") and isinstance(getattr(value, "device", None), str)
    ):  # jax or tensorflow: immutable arrays, keep the reference
        if hasattr(value, "read_value"):  # tf.Variable is mutable: snapshot it on the device
            value = value.read_value()
        dtype = _numpy_dtype_of(value.dtype)
        _check_numeric(dtype, name, field, value)
        return Deferred(value, tuple(value.shape), dtype)
    try:
        array = np.array(value)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"write({name!r}): field {field!r} got {_describe(value)} that is not numeric "
            f"({err}); expected a number, a list, a numpy array or a tensor"
        ) from None
    if array.dtype == object:
        raise TypeError(
            f"write({name!r}): field {field!r} got {_describe(value)} that does not convert to a "
            "numeric array (an int beyond 64 bits, ragged lists or mixed types?)"
        )
    _check_numeric(array.dtype, name, field, value)
    return array


def shape_of(value: np.ndarray | Deferred) -> tuple[int, ...]:
    return value.shape


def _tensor_to_numpy(tensor: Any) -> np.ndarray:
    if hasattr(tensor, "cpu"):  # torch
        tensor = tensor.cpu()
        try:
            return tensor.numpy()
        except TypeError:  # bfloat16 and friends
            return tensor.float().numpy()
    if hasattr(tensor, "numpy") and not hasattr(tensor, "block_until_ready"):  # tensorflow
        return np.asarray(tensor.numpy())
    return np.asarray(tensor)


def host_array(value: np.ndarray | Deferred, copy: bool = False) -> np.ndarray:
    """The host (numpy) array of a captured value; may synchronise with the device."""
    if isinstance(value, np.ndarray):
        return value
    array = _tensor_to_numpy(value.value)
    if array.dtype != value.dtype:
        array = array.astype(value.dtype)
    elif copy:
        array = array.copy()
    return array


_torch_types: list[type] = []   # tensor types seen (compared by identity: torch's type
_other_types: list[type] = []   # metaclass makes hashing and == on them slow, ~4 us)


def _is_torch_tensor_type(kind: type) -> bool:
    for known in _torch_types:
        if kind is known:
            return True
    for known in _other_types:
        if kind is known:
            return False
    found = any(c.__name__ == "Tensor" and c.__module__ == "torch" for c in kind.__mro__)
    seen = _torch_types if found else _other_types
    if len(seen) < 16:
        seen.append(kind)
    return found


def host_scalars(values: Any) -> tuple[int | float, ...] | None:
    """``values`` as Python numbers when each is one already or a 0-d torch tensor on the CPU
    (``item()``: exact, 0.1 us, where a capture costs several), else ``None``. A float32
    tensor comes back as the float64 holding exactly its value."""
    out = []
    for value in values:
        kind = type(value)
        if kind is not float and kind is not int:
            if kind is np.ndarray or not _is_torch_tensor_type(kind) or value.ndim != 0 \
                    or not value.is_cpu:
                return None
            value = value.item()
            if type(value) is not float and type(value) is not int:  # bool, complex
                return None
        out.append(value)
    return tuple(out)
