"""Plugin folders shipped for Brain-Score (copied into the framework by install.py; not imported from here)."""
