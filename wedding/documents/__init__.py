"""Programs, certificates and vow cards as PDF."""
