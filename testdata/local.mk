EXTRA_DIST += testdata/gen-directory.py testdata/load-demo.sh testdata/demo
