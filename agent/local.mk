# agent: build rules (paths from the top).
