"""Answering from tables: a question to the cells of a table and the operation on them."""
