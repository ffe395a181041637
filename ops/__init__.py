"""Running ResolutionFlow as an operator does: `make serve` (serve.py, gunicorn.conf.py), a PostgreSQL reached
over TCP (postgres.py), the processes of a deployment started and stopped together (processes.py), and
`make scale-check` (scale_check.py). Plain Python: nothing here imports Django until a process needs it."""
