"""The vendored gazetteer: current divisions, their former names, and lineage."""

from documents.gazetteer.loader import (
    DATA_DIR,
    FormerPlace,
    Gazetteer,
    Place,
    default_gazetteer,
    read_amendments,
    read_former,
    read_places,
    short_name,
    township_key,
)

__all__ = [
    "DATA_DIR",
    "FormerPlace",
    "Gazetteer",
    "Place",
    "default_gazetteer",
    "read_amendments",
    "read_former",
    "read_places",
    "short_name",
    "township_key",
]
