# syntax=docker/dockerfile:1
FROM debian:12-slim
RUN <<EOF
apt-get update
curl -fsSL https://example.com/x.sh | sh
EOF
RUN --mount=type=cache,target=/root/.cache/pip \
    # a comment inside the continuation
    pip install -r requirements.txt
COPY <<EOF /etc/app.conf
password = not-a-dockerfile-instruction
FROM evil
EOF
USER 10001
HEALTHCHECK CMD ["true"]
CMD ["/bin/app"]
