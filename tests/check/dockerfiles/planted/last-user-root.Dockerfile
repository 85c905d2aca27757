FROM python:3.12-slim AS build
WORKDIR /src
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

FROM python:3.12-slim
COPY --from=build /usr/local /usr/local
RUN useradd --uid 10001 app
USER app
HEALTHCHECK CMD ["python", "-c", "print(1)"]
USER root
CMD ["python", "-m", "http.server"]
