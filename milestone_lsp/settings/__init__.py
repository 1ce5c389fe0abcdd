"""Settings: one declaration of every key (:mod:`.config`), read from the project's config file
and from the editor, validated by pydantic (:mod:`.types`) only when there is something to
validate; :mod:`.schema` generates the JSON schema and the key reference in docs/.

Imports point one way: ``schema → config → keys`` and ``config → types → keys`` (the last only
when validating).
"""
