"""Mehvar (محور): a Persian-first customer-experience platform."""

__version__ = "0.1.0"
