# testdata: build rules (paths from the top).
