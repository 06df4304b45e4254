# PDF letters and access packages are drawn by WeasyPrint, which needs the system's Pango
# library. Installed from Debian's packages when missing; needs root (or sudo), as for Chromium.
PANGO_CHECK = ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0

pango:
	@$(PANGO_CHECK) || { echo "installing Pango for PDF letters"; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 || \
	{ $$SUDO apt-get update -q >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }; }

test-extras:: pango

.PHONY: pango
