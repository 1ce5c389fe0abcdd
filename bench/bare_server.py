"""The reference for the ``initialize`` budget: a pygls server with no features at all."""

from pygls.lsp.server import LanguageServer

if __name__ == "__main__":
    LanguageServer("bare", "0").start_io()
