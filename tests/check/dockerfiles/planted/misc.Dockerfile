FROM node:22-slim
MAINTAINER dev@example.com
WORKDIR app
COPY . .
RUN npm ci --omit=dev
EXPOSE 22 3000
USER node
ENTRYPOINT node server.js
