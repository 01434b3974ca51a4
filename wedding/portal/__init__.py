"""The client\x27s private portal."""
