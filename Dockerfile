# One image for every Nigrani service and worker; the command chooses which one runs:
#
#   python -m nigrani_intake              intake API (INTAKE_PORT, default 8000)
#   python -m nigrani_intake.worker       intake's consumer on its own (API with EMBEDDED_WORKER=false)
#   python -m nigrani_routing             routing API (ROUTING_PORT, default 8001)
#   python -m nigrani_routing.worker      routing's consumer on its own
#   python -m nigrani_sla                 SLA API with its consumer and timers (SLA_PORT, default 8002)
#   python -m nigrani_notify              notify API with its consumer and senders (NOTIFY_PORT, default 8003)
#
# The operator's command is in the image too (`nigrani --help`): a one-off container or a
# Job runs `nigrani topics create` before the services start, and `nigrani lag`,
# `nigrani dead-letters replay --group G` or `nigrani read-model rebuild intake` when needed.
#
# Build with `docker build -t nigrani .`. Nothing is downloaded when a container starts.
# tests/integration/deploy/test_container_image.py lints this file with hadolint and checks
# that every `python -m` module named here exists in the package.

# The builder installs the locked runtime dependencies (uv.lock: the versions and file
# hashes the tests passed with, no dev tools) and then a wheel of the project, without
# resolving anything, into a virtualenv; only that virtualenv reaches the final image.
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

# Keep in step with UV_VERSION in the Makefile: the same uv reads the lock in both.
ARG UV_VERSION=0.9.13
RUN python -m pip install "uv==${UV_VERSION}" \
    && python -m venv /opt/nigrani

WORKDIR /src
COPY pyproject.toml uv.lock ./
RUN uv export --quiet --frozen --no-dev --no-emit-project -o requirements.txt \
    && /opt/nigrani/bin/python -m pip install --require-hashes -r requirements.txt

COPY shared/ shared/
COPY services/ services/
COPY deploy/local/nigrani_localinfra/ deploy/local/nigrani_localinfra/
COPY cli/ cli/

# The wheel holds exactly the packages listed in pyproject.toml, with their data files
# (catalog, rules, policies, calendars, templates).
RUN python -m pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/nigrani/bin/python -m pip install --no-deps /wheels/nigrani-*.whl


# The final stage: the base image, the virtualenv and a user; no compilers, no sources.
FROM python:3.11-slim-bookworm

RUN groupadd --system --gid 10001 nigrani \
    && useradd --system --uid 10001 --gid nigrani --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin nigrani

COPY --from=builder /opt/nigrani /opt/nigrani

# Each service binds its own *_HOST, which defaults to loopback for a developer's machine:
# in a container it must listen on every interface to be reachable.
ENV PATH=/opt/nigrani/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    INTAKE_HOST=0.0.0.0 \
    ROUTING_HOST=0.0.0.0 \
    SLA_HOST=0.0.0.0 \
    NOTIFY_HOST=0.0.0.0

USER 10001:10001
WORKDIR /opt/nigrani

# Calls /healthz on the port the running service's own settings name (see the module);
# a worker serves /healthz on its service's port too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-m", "nigrani_shared.web.healthcheck"]

CMD ["python", "-m", "nigrani_intake"]
