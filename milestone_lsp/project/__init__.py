"""A project on disk, as both shells use it: its files and settings read, the rules run over
them and their fixes written (:mod:`.checking`), status reports (:mod:`.reporting`), the
progress dashboard's data (:mod:`.dashboard`), the git history (:mod:`.gitlog`) and new
workspaces (:mod:`.scaffold`).

Below the shells, above the rules: nothing here imports pygls, lsprotocol or a shell.
"""
