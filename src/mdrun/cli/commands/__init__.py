"""One module per subcommand, each with its `command(args) -> int`; `mdrun.cli` imports one
only when it runs. (A package of their own: a module named `list` beside `cli/__init__.py`
would replace the builtin there once imported.)"""
