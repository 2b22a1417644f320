"""Bargaining: utilities of terms, offers, agents' decisions (vectorized over replicates)."""
