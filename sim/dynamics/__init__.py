"""Pressures: one module per mechanism, each a function updating the batch state for a round."""
