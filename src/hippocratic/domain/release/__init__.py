"""De-identification for releases: keyed pseudonyms, generalisation hierarchies, k-anonymity
with l-diversity found by a full-domain lattice search, and NHS small-number suppression.
Pure code over tables in memory: the sharing service runs it on extracts the guard has scoped."""
