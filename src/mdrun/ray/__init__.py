"""Ray: following a Ray job's logs for the stream-logs runbook (`python -m mdrun.ray.logs`),
submitting a block as a Ray job (`python -m mdrun.ray.submit`, what `exec: ray-submit` runs),
and running a whole runbook on a cluster (`mdrun run --ray`, `mdrun attach`).

Only the command line imports it; Ray's own client is imported only where a job is submitted.
"""
