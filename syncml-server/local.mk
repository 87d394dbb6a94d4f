# syncml-server: build rules (paths from the top).
