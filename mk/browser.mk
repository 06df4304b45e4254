# The console's browser tests drive Debian's Chromium with Playwright (its own browser download
# does not work on these machines). Installed from Debian's packages when missing; needs root
# (or sudo), as on the CI machines.
CHROMIUM ?= /usr/bin/chromium

$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests"
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || \
	{ $$SUDO apt-get update -q >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium >/dev/null; }

test-extras:: $(CHROMIUM)
