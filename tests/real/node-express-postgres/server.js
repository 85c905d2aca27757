// An Express API that answers from Postgres (DATABASE_URL is wired by Berth's compose file).
const express = require("express");
const { Pool } = require("pg");

const pool = new Pool({ connectionString: process.env.DATABASE_URL });
const app = express();

app.get("/health", (_req, res) => {
  res.json({ status: "ok" });
});

app.get("/", async (_req, res) => {
  try {
    const { rows } = await pool.query(
      "SELECT current_database() AS db, 40 + 2 AS answer"
    );
    res.type("text/plain").send(
      `express-postgres says hello: database ${rows[0].db}, 40+2=${rows[0].answer}\n`
    );
  } catch (err) {
    res.status(500).type("text/plain").send(`database error: ${err.message}\n`);
  }
});

const port = Number(process.env.PORT || 3000);
app.listen(port, "0.0.0.0", () => {
  console.log(`listening on ${port}`);
});
