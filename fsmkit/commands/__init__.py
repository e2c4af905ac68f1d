"""One module per command; each defines one click command that `fsmkit.cli` adds to the group."""
