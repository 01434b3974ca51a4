"""Uploaded files, kept in the database so that every app process shares them."""
