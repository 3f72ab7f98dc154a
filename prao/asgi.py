"""ASGI entry point for uvicorn: `prao.asgi:app`."""

from prao.app import create_app

app = create_app()
