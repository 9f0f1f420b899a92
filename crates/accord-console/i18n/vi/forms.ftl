# The forms area's messages (vi).
