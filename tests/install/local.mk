# tests/install: the service as installed.
# test-sandbox: orgbook-server under the unit's sandbox settings (its
# system calls against SystemCallFilter, socket families, W^X), traced;
# SKIP without root, strace or systemd-analyze.
TESTS += tests/install/test-sandbox.sh
EXTRA_DIST += tests/install/test-sandbox.sh

# make check-packages: build the Debian packages from "make dist"'s
# tarball, install them into a fresh debootstrapped Debian 12 and check
# them there (slow, needs root and the network; not in make check).
EXTRA_DIST += tests/install/test-packages.sh
check-packages: dist-gzip
	top_srcdir='$(top_srcdir)' OB_DIST_TARBALL='$(abs_builddir)/$(distdir).tar.gz' \
	  $(SHELL) $(top_srcdir)/tests/install/test-packages.sh
.PHONY: check-packages
