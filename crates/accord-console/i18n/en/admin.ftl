# The admin area's messages (en).
