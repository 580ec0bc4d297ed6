"""The HTTP routes, one APIRouter per job: pages, answers, documents, the index."""
