"""Loading: a runbook file, its frontmatter `imports:` and its `--8<--` includes become one
`Document`, with an origin (the include chain) for every line.

`loader.load_document` is the entry point. The only stage that reads runbook files: `roots`
decides which files may be read, `sources` decodes them, `includes` expands markers written in
the notation of `markers`, `origins` keeps where each line came from, `urls` fetches https://
includes when allowed.
"""
