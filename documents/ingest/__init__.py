"""The import pipeline: read bytes, decode, detect the layout, extract fields,
normalise, resolve the region, store. Each stage is a module of plain functions."""
