"""Briefs: sections, narrative and labels (id/en), plots, rendering to HTML and PDF, the personal-data scan."""
