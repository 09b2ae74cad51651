# Production image: gunicorn serving tokenserver, static files by WhiteNoise.
# Configure it with the variables of deploy/production.env, given at run time
# (docker run --env-file deploy/production.env): .dockerignore keeps every
# env file out of the image.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 GUNICORN_BIND=0.0.0.0:8000
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY . .
# collectstatic needs settings but no secret: a throwaway key, DEBUG off.
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_READ_DOT_ENV_FILE=false \
    python manage.py collectstatic --noinput
RUN useradd --system --no-create-home tokenserver
USER tokenserver
EXPOSE 8000
# Liveness: the process answers (no database), so a database outage does not
# get every container restarted. Load balancers probe /healthz/ready.
HEALTHCHECK --interval=30s --timeout=5s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz/live', timeout=4)"
# Run migrations once per release (not per instance): manage.py migrate.
# The enforcement worker is the same image with another command, in its own
# container (any number; one acts at a time, README "The enforcement worker"):
#   docker run --env-file deploy/production.env tokenserver \
#     python manage.py enforce_access
# Not plain gunicorn: it reads WEB_CONCURRENCY before any check of ours.
CMD ["python", "-m", "tokenserver.gunicorn_main", "-c", "gunicorn.conf.py"]
