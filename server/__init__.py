"""Reference municipal server: enrolls kiosks, receives their signed record batches, serves
catalogs and heartbeats, and exports ratings for staff. See ``docs/protocol.md``."""
