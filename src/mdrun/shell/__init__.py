"""Shell: bash text parsed and its words, tests and conditions decided statically, never run."""
