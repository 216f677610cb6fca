"""Readers and writers: bytes and records in, bytes and records out. No fixers here."""
