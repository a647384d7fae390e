"""Puts this directory on ``sys.path`` so test modules can import their helpers
(``legacy_bytes``, ``legacy_apply``) under ``--import-mode=importlib``."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
