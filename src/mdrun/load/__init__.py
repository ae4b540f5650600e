"""Loading: runbook files and their includes and imports become one `Document` with an origin per line. The only stage that reads runbook files."""
