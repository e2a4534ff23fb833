"""The synthetic sample data set: a world of families and children, its dirt, and its writers."""
