# tests/browser: the admin pages in Debian's headless Chromium, driven by
# Playwright (playwright-core from npm, pinned in package-lock.json).
TESTS += tests/browser/test-webadmin.sh
EXTRA_DIST += tests/browser/test-webadmin.sh tests/browser/webadmin.mjs \
	tests/browser/test-webadmin-scale.sh tests/browser/scale.mjs \
	tests/browser/lib.sh tests/browser/lib.mjs \
	tests/browser/package.json tests/browser/package-lock.json \
	tests/browser/import-bad.csv tests/browser/import-good.csv
# What the test installs (tests/browser/npm) and leaves for review
# (tests/browser/screenshots) lives in the build tree; `make clean`
# removes it.
clean-local: clean-browser
clean-browser:
	rm -rf tests/browser/npm tests/browser/screenshots \
		tests/browser/screenshots-scale
.PHONY: clean-browser
