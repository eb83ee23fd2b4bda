"""Importers: the formats contact centres already export, read into Conversations."""

from heard.importers.base import Importer, ImportOptions, Source
from heard.importers.registry import get, importers, read_file, read_source, register, sniff

__all__ = [
    "ImportOptions",
    "Importer",
    "Source",
    "get",
    "importers",
    "read_file",
    "read_source",
    "register",
    "sniff",
]
