# Independent tools for de-identified releases, each in its own virtual environment so that
# their pinned dependencies never clash with ours: pycanon checks k and l in the tests, anjana
# is the baseline in the benchmarks.
.venv-pycanon/.installed:
	$(PYTHON) -m venv .venv-pycanon
	.venv-pycanon/bin/python -m pip install --quiet --upgrade pip
	.venv-pycanon/bin/python -m pip install --quiet 'pycanon==1.3.6'
	touch $@

.venv-anjana/.installed:
	$(PYTHON) -m venv .venv-anjana
	.venv-anjana/bin/python -m pip install --quiet --upgrade pip
	.venv-anjana/bin/python -m pip install --quiet 'anjana==1.2.3'
	touch $@

test-extras:: .venv-pycanon/.installed
bench-extras:: .venv-anjana/.installed
