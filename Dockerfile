# The hub's production image: one image, run as api, worker or scheduler (see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY adapters ./adapters
COPY mappings ./mappings
RUN pip install --no-cache-dir .
ENV HUB_HOME=/data HUB_MAPPINGS_DIR=/app/mappings
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["hub"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
