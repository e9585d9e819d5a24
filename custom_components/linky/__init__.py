"""The Linky integration."""
