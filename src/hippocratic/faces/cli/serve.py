"""``hippocratic serve``: the web app on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hippocratic.faces.web.app import SHIPPED_POLICIES, create_app


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    policy: Annotated[
        list[Path] | None,
        typer.Option("--policy", help="Policy files to serve (default: the shipped ones)."),
    ] = None,
) -> None:
    """Serve the privacy notices, just-in-time notices and records of processing."""
    import uvicorn

    uvicorn.run(create_app(policy or SHIPPED_POLICIES), host=host, port=port)
