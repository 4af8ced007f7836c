"""Personal data: the patterns that find it, the masks that hide it, the encryption that keeps it."""
