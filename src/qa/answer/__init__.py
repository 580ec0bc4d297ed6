"""Choosing and shaping the answer: table value, passage span or none; evidence; follow-ups."""
