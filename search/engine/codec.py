"""Where indexes written before the search layer's split name their codec.

A Whoosh TOC pickles each segment with its codec, by module path: indexes
written before issue 15 say ``search.engine.codec.PlansiteCodec``. The class
now lives in whoosh_internals; this name keeps those indexes readable, so an
upgrade needs no rebuild. Remove it only with a SCHEMA_VERSION bump, which
rebuilds every index.
"""

from search.engine.whoosh_internals import PlansiteCodec

__all__ = ["PlansiteCodec"]
