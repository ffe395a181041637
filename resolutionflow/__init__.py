import os

# The local embedding model runs numpy's BLAS. On these 2-core machines, with a web server, workers and
# tests sharing the cores, BLAS threads spinning against each other made one embedding 10x slower (35
# starter flows: 79 s with threads, 7 s without, under load); one thread per process is also what gunicorn
# and django-q2 workers want. Set before numpy is first imported (this package is imported first).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
