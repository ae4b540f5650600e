"""Running: a `Plan` executed under supervision, its output streamed and logged. The only stage
that starts processes.

`supervisor.run_plan` wires it together: `manager` decides what to start and what an exit
means (its state and ending in `state`), `loop` waits on every child and signal, `process`
starts a block, `handoff` carries environment and directory from one sync block to the next,
`output` writes logs and the console, `live` draws the status area and summary, `manifest`
writes run.json, `ready` waits for `ready=`, `watchdog` cleans up if mdrun dies.
"""
