# bench: build rules (paths from the top).
