"""``python -m streamvis.cli``: the same as the ``streamvis`` command."""

from streamvis.cli.main import main

raise SystemExit(main())
