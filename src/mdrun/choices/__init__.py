"""Choices: the questions a guidebook asks with tab groups, and where their answers come from.

`groups` turns the tab groups `blocks.tabs` finds into questions (`ChoiceGroup`s with madwizard's
keys, aprioris recognised); `answers` gathers answers from `--choose`, the environment, a profile
and this machine; `dynamic` expands `expand(COMMAND)` questions (only when asked to, with a runner
the caller gives); `profiles` keeps answers between runs; `prompt` asks what is left, on a
terminal, or says what to pass when there is none.
"""
