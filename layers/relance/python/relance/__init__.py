"""Relance: receivables follow-up and dunning for French SMEs on Sage 100.

Layers point one way: handlers -> services -> domain (pure) and adapters (store, sage, aws).
"""
