"""Shared pytest setup for the cross-package tests.

Support modules (``tests/support_*.py``) hold fixtures for real components: emulators, the
browser, servers. This directory is put on ``sys.path`` so test modules can import them.
"""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(__file__))


def pytest_configure(config) -> None:
    """Tests stop CLI children with SIGINT, as a user's Ctrl-C would. A test run started in
    the background by a non-interactive shell inherits SIGINT *ignored*, and children inherit
    that through exec; a caught signal is reset to the default in a child, so catch it here."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
