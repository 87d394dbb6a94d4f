# lib/syncml: build rules (paths from the top).
