"""``govrules serve``: the HTTP service and the browser form (install the ``serve`` extra).

    from govrules.service import create_app
    app = create_app()          # an ASGI app over the installed packs

See docs/service.md.
"""

from .app import create_app

__all__ = ["create_app"]
