"""Bargaining arithmetic over arrays of replicates: utilities of terms, offers, the mediator's pick, acceptance."""
