# The API benchmark also drives the server with wrk, a load generator written in C (Debian's
# package), so the two cores go to the server and not to a Python client. Installed when
# missing; needs root (or sudo), as on the CI machines. The benchmark skips it if absent.
WRK ?= /usr/bin/wrk

$(WRK):
	@echo "installing Debian's wrk for the API benchmark"
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q wrk >/dev/null 2>&1 || \
	{ $$SUDO apt-get update -q >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q wrk >/dev/null; }

bench-extras:: $(WRK)
