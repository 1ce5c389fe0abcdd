"""The pure core: text positions, the document model, the parser and the progress calculator.

Nothing under this package imports pygls or lsprotocol; the protocol shell converts at its edge.
"""
