"""The `brief-qa` command: one module per command group; `main` builds the parser."""
