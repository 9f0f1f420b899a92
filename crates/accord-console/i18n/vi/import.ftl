# The import area's messages (vi).
