"""What the kiosk and the municipal server agree on: records, catalogs, the protocol and the
export file format. It imports neither Qt nor a web framework, so both sides can stand on it."""

__version__ = "0.2.0"
