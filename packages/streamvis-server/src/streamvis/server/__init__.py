"""streamvis.server: the Bokeh viewer for streamvis logs.

``load_schema`` validates a YAML schema, ``make_server`` builds a Bokeh server that tails a log
(one reader per process) and serves the figures laid out from the page URL.
"""

from streamvis.server.app import PortInUseError, make_server
from streamvis.server.layout import Layout, LayoutError, parse_layout
from streamvis.server.schema import FigureSpec, Schema, SchemaError, demo_schema_path, load_schema

__all__ = [
    "FigureSpec",
    "Layout",
    "LayoutError",
    "PortInUseError",
    "Schema",
    "SchemaError",
    "demo_schema_path",
    "load_schema",
    "make_server",
    "parse_layout",
]
