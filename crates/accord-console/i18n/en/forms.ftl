# The forms area's messages (en).
