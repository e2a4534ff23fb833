"""Intake: reading any export, raw schemas, the gazetteer, identifiers and pseudonyms, cleaning per source."""
