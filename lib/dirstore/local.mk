# lib/dirstore: build rules (paths from the top).
