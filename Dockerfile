# Image for every profile-import process: producer (run), worker and tracker.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir .

# Prometheus metrics (PROFILE_IMPORT_METRICS_PORT, default 9400).
EXPOSE 9400

ENTRYPOINT ["profile-import"]
CMD ["--help"]
