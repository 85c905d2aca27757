FROM python:3.12-alpine
RUN apk add curl
RUN apk add --no-cache git=2.45.2-r0
RUN pip install flask==3.0.3
RUN sudo chown -R nobody /srv
USER nobody
HEALTHCHECK CMD ["true"]
ENTRYPOINT ["python"]
