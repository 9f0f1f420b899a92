# The audit area's messages (vi).
