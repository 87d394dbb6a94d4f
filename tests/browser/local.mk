# tests/browser: the admin pages in Debian's headless Chromium, driven by
# Playwright (playwright-core from npm, pinned in package-lock.json).
TESTS += tests/browser/test-webadmin.sh
EXTRA_DIST += tests/browser/test-webadmin.sh tests/browser/webadmin.mjs \
	tests/browser/package.json tests/browser/package-lock.json \
	tests/browser/import-bad.csv tests/browser/import-good.csv
# What the test installs and leaves for review lives in the build tree;
# `make clean` removes it (the package files only in a separate build
# directory: in the source tree they are sources).
clean-local: clean-browser
clean-browser:
	rm -rf tests/browser/node_modules tests/browser/screenshots
	if test "$(abs_builddir)" != "$(abs_srcdir)"; then \
	  rm -f tests/browser/package.json tests/browser/package-lock.json; fi
.PHONY: clean-browser
