"""Validate and serialise a run's config (``DataLogger.write_config``)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["config_json", "config_text", "flatten_config", "value_text"]

_SCALARS = (str, int, float, bool, type(None))


def _check(value: Any, where: str) -> None:
    if isinstance(value, _SCALARS):
        if isinstance(value, float) and not math.isfinite(value):
            raise TypeError(f"config key {where!r} is {value!r}; expected a finite number "
                            "(JSON has no NaN or infinity)")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check(item, f"{where}[{i}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"config key {where}.{key!r} is a {type(key).__name__}; "
                                "expected str keys")
            _check(item, f"{where}.{key}")
        return
    raise TypeError(f"config key {where!r} holds {type(value).__name__} {value!r:.80}; "
                    "expected str, int, float, bool, None, or a list or dict of them")


def config_json(config: Mapping[str, Any]) -> str:
    """``config`` as a JSON object text; ``TypeError`` names a key whose value is not
    JSON-like."""
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be a dict of str keys, got {type(config).__name__} "
                        f"{config!r:.80}")
    for key, value in config.items():
        if not isinstance(key, str):
            raise TypeError(f"config key {key!r} is a {type(key).__name__}; expected str keys")
        _check(value, key)
    return json.dumps(dict(config), separators=(",", ":"), allow_nan=False)


def flatten_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A run config with nested dicts flattened to dotted keys (``opt.lr``); lists stay
    values."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, Mapping) and value:
            out.update(flatten_config(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def value_text(value: Any) -> str:
    """A config value as text: a string bare, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def config_text(config: Mapping[str, Any], width: int | None = None) -> str:
    """``key=value`` pairs of a run config (strings bare, other values as JSON), cut to
    ``width`` characters with ``...``."""
    text = " ".join(f"{k}={value_text(v)}" for k, v in flatten_config(config).items())
    if width is not None and len(text) > width:
        text = text[:width - 3] + "..."
    return text
