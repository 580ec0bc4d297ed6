"""Words and sentences: the one tokenizer, stemmer and stop list, and sentence boundaries."""
