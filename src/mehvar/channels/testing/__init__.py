"""Test peers for the channels: real local servers that play the providers (never mock objects)."""
