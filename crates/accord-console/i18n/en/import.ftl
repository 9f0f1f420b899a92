# The import area's messages (en).
