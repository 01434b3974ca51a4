"""Vendors (print shops, frame makers, compositing studios, photographers) and orders."""
