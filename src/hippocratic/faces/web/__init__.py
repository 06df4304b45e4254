"""The web face: JSON API and server-rendered pages, each page with a JSON twin."""
