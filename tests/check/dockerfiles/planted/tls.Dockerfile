FROM node:22-slim
ENV NODE_TLS_REJECT_UNAUTHORIZED=0
RUN wget --no-check-certificate -O /tmp/x https://example.com/x
RUN pip install --no-cache-dir --trusted-host pypi.example.com requests==2.32.3
USER node
HEALTHCHECK CMD ["true"]
CMD ["node", "index.js"]
