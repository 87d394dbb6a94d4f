# webadmin: build rules (paths from the top).
