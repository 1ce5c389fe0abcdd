"""The protocol shell: the language server over pygls.

:mod:`.server` creates the server and registers the features; :mod:`.state` is the state and
interface every feature module depends on; :mod:`.protocol` holds every adaptation of pygls
internals; :mod:`.convert` turns core positions into the negotiated encoding; one module per
feature (:mod:`.diagnostics`, :mod:`.actions`, :mod:`.hover`, ...) fetches the document, calls
the core and converts the result.
"""
