FROM alpine:3.20
RUN wget -qO- https://example.com/install.sh | sh
RUN curl -fsSLk https://example.com/get | bash -s -- --yes
ADD https://example.com/tool.tgz /opt/
ADD app.conf /etc/app.conf
RUN bash <(curl -fsSL https://example.com/setup.sh)
RUN adduser -D -u 10001 app
USER 10001
HEALTHCHECK CMD ["true"]
CMD ["/opt/tool"]
