"""The HTTP service: app wiring, routers, schemas, middleware, the served state and watching."""
