"""Shared pytest setup for the cross-package tests.

Support modules (``tests/support_*.py``) hold fixtures for real components: emulators, the
browser, servers. This directory is put on ``sys.path`` so test modules can import them.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
