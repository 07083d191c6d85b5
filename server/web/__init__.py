"""The server's web pages: results for city hall and the public, and administration.

Server-rendered with Jinja2 from the same FastAPI app as the kiosk API; every page works
without JavaScript, in Georgian and English, wearing the kiosks' theme.
"""
