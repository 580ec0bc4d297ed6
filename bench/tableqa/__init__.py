"""Training and evaluating the table program ranker on ../shared/data (WikiTableQuestions, TAT-QA)."""
