"""The ``hippocratic`` command line: one command group per concept."""
