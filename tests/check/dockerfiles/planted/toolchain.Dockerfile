FROM golang:1.22
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /app ./cmd/server
USER 65534
HEALTHCHECK CMD ["/app", "-health"]
CMD ["/app"]
