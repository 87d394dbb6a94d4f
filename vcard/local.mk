# vcard: build rules (paths from the top).
