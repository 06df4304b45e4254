"""Pure rules, no I/O: legal clocks, retention, consent state, masking, de-identification."""
