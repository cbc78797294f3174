"""The user profile: its identifiers and how they are normalized.

Shared by the producer (which keys records by identity) and the consumer (which
matches records to stored profiles by the same normalized identifiers).
"""
