"""Ray: following a Ray job's logs and status for the stream-logs runbook, run as
`python -m mdrun.ray.logs`; `dashboard` speaks to the dashboard's HTTP API.

Not a pipeline stage: nothing else in mdrun imports it.
"""
