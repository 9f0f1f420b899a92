# The reports area's messages (en).
