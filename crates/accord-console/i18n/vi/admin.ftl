# The admin area's messages (vi).
