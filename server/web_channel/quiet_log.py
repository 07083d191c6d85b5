"""Keeps citizens' addresses and codes out of the server's access log.

uvicorn logs every request with the client's address and the full path. For the citizens'
pages that would put addresses, one-time codes and form tokens in the log, so this filter
blanks the address and masks those parts before the line is written (``docs/web.md``).
"""

from __future__ import annotations

import logging
import re

CITIZEN_PATHS = ("/rate", "/r/", "/v", "/privacy")
_CODE = re.compile(r"^/v/[^?]*")
_SECRET_QUERY = re.compile(r"([?&](?:t|code)=)[^&]*")


def mask_path(path: str) -> str:
    """The path with a code in ``/v/<code>`` and the ``t``/``code`` query values masked."""
    return _SECRET_QUERY.sub(r"\1…", _CODE.sub("/v/…", path))


class CitizenLogFilter(logging.Filter):
    """For uvicorn's access log: citizens' requests without address, code or token."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path = args[2]
            if path.startswith(CITIZEN_PATHS):
                record.args = ("-", args[1], mask_path(path), args[3], args[4])
        return True


def install(logger_name: str = "uvicorn.access") -> None:
    """Add the filter to uvicorn's access logger once per process."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, CitizenLogFilter) for f in logger.filters):
        logger.addFilter(CitizenLogFilter())
