"""Ray: following a Ray job's logs and status, as the stream-logs runbook does."""
