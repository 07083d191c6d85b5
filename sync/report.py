"""What one sync run did, for logs, tests and the benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RunReport:
    """Counts of one :meth:`sync.job.SyncJob.run_once`."""

    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    """Records set aside in this run: refused by the server, alone or in a batch's answer."""
    batches: int = 0
    splits: int = 0
    """Batches sent again in halves (too large, or refused as a whole)."""
    resent: int = 0
    """Synced records made pending again because the server turned out to lack them."""
    pruned: int = 0
    catalog_updated: bool = False
    catalog_error: str | None = None
    left_pending: list[str] = field(default_factory=list)

    @property
    def uploaded(self) -> int:
        return self.stored + self.duplicates
