# The audit area's messages (en).
