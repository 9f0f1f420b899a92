# The reports area's messages (vi).
