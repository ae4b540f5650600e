"""Planning: a `Runbook` and a starting environment become a `Plan`: every block's verdict and environment."""
