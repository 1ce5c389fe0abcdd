"""Rules: the registry, one module per rule family, and the measurability analyzer.

Pure: nothing here imports pygls or lsprotocol.
"""
