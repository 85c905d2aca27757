// Fetch npm's tarball from the registry, check it against the pinned sha512 (the registry's
// dist.integrity), write it to the given file. Usage: node fetch-npm.js VERSION SHA512 OUT
const crypto = require("node:crypto");
const fs = require("node:fs");

const [version, sha512, out] = process.argv.slice(2);
const url = `https://registry.npmjs.org/npm/-/npm-${version}.tgz`;

(async () => {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const got = crypto.createHash("sha512").update(body).digest("base64");
  if (got !== sha512) throw new Error(`${url}: sha512 ${got}, expected ${sha512}`);
  fs.writeFileSync(out, body);
})().catch((e) => {
  console.error(`fetch-npm: ${e.message}`);
  process.exit(1);
});
