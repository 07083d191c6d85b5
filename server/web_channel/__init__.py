"""The web channel: citizens rate on the municipal website, with a one-time code (verified) or
without one (open). ``docs/web.md`` is the contract; each module holds one part of it."""
