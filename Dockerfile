# One image for web, worker and beat (docker-compose.yml). The deployment issue adds the GPU variant.
FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libmariadb-dev pkg-config \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 app

WORKDIR /app
COPY requirements.txt requirements-base.txt requirements-mysql.txt ./
RUN pip install --no-cache-dir -r requirements.txt -r requirements-mysql.txt
COPY . .

ENV DEPLOYMENT=production DATA_DIR=/data STATIC_ROOT=/app/staticfiles PYTHONUNBUFFERED=1
# collectstatic needs settings, not the production secrets: build it as an embedded install in /tmp.
RUN DEPLOYMENT=embedded DATA_DIR=/tmp/build python manage.py collectstatic --noinput \
 && rm -rf /tmp/build && mkdir -p /data && chown app /data

USER app
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
