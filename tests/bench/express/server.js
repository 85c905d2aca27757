// A small Express app for `berth bench` (the native-vs-container benchmark's test project).
const express = require("express");

const app = express();

app.get("/health", (_req, res) => {
  res.json({ status: "ok" });
});

app.get("/", (_req, res) => {
  res.type("text/plain").send("express-bench says hello\n");
});

const port = Number(process.env.PORT || 3000);
app.listen(port, "0.0.0.0", () => {
  console.log(`listening on ${port}`);
});
