# admin: build rules (paths from the top).
