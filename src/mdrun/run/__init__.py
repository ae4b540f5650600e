"""Running: a `Plan` executed under supervision. The only stage that starts processes."""
