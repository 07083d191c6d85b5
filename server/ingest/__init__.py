"""Records entering the server: judged, stored once, and chained per device.

Uploaded batches (``server.batches``), imported export files (``server.imports``) and the web
channel's answers all go through :func:`receive_records`, so the same rules hold for all of
them and they dedupe against each other.

A batch costs a handful of statements whatever its size: each record is judged alone in memory
(:mod:`server.ingest.reading`), the acceptable ones go in with one multi-row insert, the chain
links of the new rows are checked against their neighbours fetched in one query
(:mod:`server.ingest.chain`), and the refused records are kept with one more
(:mod:`server.ingest.receive`).
"""

from server.ingest.receive import Outcome, Received, RecordStatus, Sender, receive_records

__all__ = ["Outcome", "Received", "RecordStatus", "Sender", "receive_records"]
