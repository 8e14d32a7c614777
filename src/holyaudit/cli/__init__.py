"""The command line: the only layer that prints, prompts and chooses exit codes."""
