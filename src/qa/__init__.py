"""qa: question answering over a corpus, with cited passages and computed table answers."""

__version__ = "0.1.0"
