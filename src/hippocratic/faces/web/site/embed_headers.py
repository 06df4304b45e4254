"""Headers for what another page embeds: the YouTube-like stand-in may be framed by this
site's own pages (``frame-ancestors 'self'``, ``X-Frame-Options: SAMEORIGIN``) where everything
else here refuses to be framed at all. Installed outside ``RequestGuard``, it rewrites only
those two headers and only on ``FRAMEABLE`` paths; every other header and path is untouched."""

from __future__ import annotations

from hippocratic.faces.web.request_guard import CSP, ASGIApp, Message, Receive, Scope, Send

FRAMEABLE = ("/demo/stand-in/youtube/",)
FRAME_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")


class EmbedHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(FRAMEABLE):
            await self.app(scope, receive, send)
            return

        async def framed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, _framed(name, value)) for name, value in message.get("headers", [])
                ]
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, receive, framed)


def _framed(name: bytes, value: bytes) -> bytes:
    if name.lower() == b"x-frame-options":
        return b"SAMEORIGIN"
    if name.lower() == b"content-security-policy":
        return FRAME_CSP.encode()
    return value
