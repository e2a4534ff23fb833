"""The estimates table: its schema, the builders per topic, periods, suppression, store and history."""
