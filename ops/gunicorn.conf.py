"""gunicorn's settings for ResolutionFlow (`gunicorn -c ops/gunicorn.conf.py resolutionflow.wsgi`).

Workers: WEB_CONCURRENCY when set, else 2 × cores + 1, at most WEB_MAX_WORKERS (each worker keeps the local
embedding model, ~130 MB, once it has matched a session). Bound to BIND (default 127.0.0.1:8000): behind a
TLS proxy on the same machine, loopback is all it needs. Static files are served by whitenoise in the app.
"""

import os

cores = os.cpu_count() or 1
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * cores + 1, int(os.environ.get("WEB_MAX_WORKERS", "8"))))
bind = os.environ.get("BIND", "127.0.0.1:8000")
wsgi_app = "resolutionflow.wsgi:application"
timeout = 30  # a request running longer is stuck: its worker is replaced
graceful_timeout = 20  # SIGTERM: requests in flight get this long to finish
keepalive = 5
max_requests = 2000  # workers are recycled now and then (jittered), so no slow leak grows for ever
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# The combined format plus the time the request took in the app, in ms (`make load` reads it).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
errorlog = "-"
# Whether a request came over HTTPS is Django's call alone (TRUST_X_FORWARDED_PROTO): gunicorn never reads
# X-Forwarded-Proto itself, or a client on the proxy's machine could claim HTTPS.
secure_scheme_headers = {}
proc_name = "resolutionflow-web"


def post_worker_init(worker):
    """Before its first request, the worker imports the views, compiles the templates and loads the local
    embedding model (resolutionflow/warmup.py): no request waits for them."""
    from resolutionflow.warmup import warm_up

    worker.log.info("Worker %s warmed up in %.1f s", worker.pid, warm_up())
