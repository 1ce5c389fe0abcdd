"""Message parts serialised once and sent as they are.

pygls turns every outgoing message into JSON with cattrs and ``json.dumps``; for the 600
diagnostics of a 10k-line file that is several milliseconds per keystroke, although most of
them did not change. :class:`Encoded` carries JSON text made earlier (one string per diagnostic,
cached), and the server's protocol writes it into the message without serialising it again.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any


class Encoded:
    """A JSON value already serialised: ``params`` of a notification or ``result`` of a reply."""

    __slots__ = ("json",)

    def __init__(self, text: str) -> None:
        self.json = text


@cache
def _converter() -> Any:
    from lsprotocol.converters import get_converter

    return get_converter()


def encode(value: Any) -> str:
    """JSON text of an LSP object: what pygls would send, without the optional spaces."""
    return json.dumps(_converter().unstructure(value), separators=(",", ":"))


def message(data: Any, payload: Encoded) -> str:
    """The JSON-RPC body of a notification or response whose params/result is ``payload``."""
    head: dict[str, Any] = {"jsonrpc": data.jsonrpc}
    if getattr(data, "id", None) is not None:
        head["id"] = data.id
    method = getattr(data, "method", None)
    if method is not None:
        head["method"] = method
    key = "params" if method is not None else "result"
    return json.dumps(head, separators=(",", ":"))[:-1] + f',"{key}":' + payload.json + "}"
