FROM debian:12-slim
ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
ENV DB_PASSWORD=correct-horse-battery
ARG GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345
ARG NPM_TOKEN
COPY id_rsa /root/.ssh/id_rsa
COPY .env /app/.env
RUN useradd --uid 10001 app
USER 10001
HEALTHCHECK CMD ["true"]
CMD ["/app/run"]
