FROM ubuntu:24.04
RUN apt-get update
RUN apt-get update && apt-get install curl git
RUN apt-get update && apt-get -y upgrade && apt-get install -y --no-install-recommends ca-certificates=20240203 && rm -rf /var/lib/apt/lists/*
RUN apt install -y vim
RUN useradd --uid 10001 app
USER app
HEALTHCHECK CMD ["true"]
CMD ["bash"]
