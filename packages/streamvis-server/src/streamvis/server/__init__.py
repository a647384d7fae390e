"""streamvis.server: the Bokeh viewer for streamvis logs."""

__all__: list[str] = []
