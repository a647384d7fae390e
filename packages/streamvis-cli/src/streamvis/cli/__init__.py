"""streamvis.cli: the ``streamvis`` command."""

__all__: list[str] = []
