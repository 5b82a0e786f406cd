// SPDX-License-Identifier: BSL-1.0
// Node's `jose` jwtVerify on the token bench_gateway verifies, with the same key (imported once) and
// clock: prints "verifications_per_second <n> cpu_us_per_verification <n>" after a warm-up.
// env: BENCH_JOSE_DIR (where jose is installed), BENCH_TOKEN, BENCH_JWK, BENCH_NOW, BENCH_COUNT
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(`${process.env.BENCH_JOSE_DIR}/package.json`);
const jose = await import(pathToFileURL(require.resolve("jose")).href);

const key = await jose.importJWK(JSON.parse(process.env.BENCH_JWK), "ES256");
const token = process.env.BENCH_TOKEN;
const options = {
  algorithms: ["ES256"],
  issuer: "https://q7m2x9k4-t1w8e3z.fapi.trywacht.xyz",
  currentDate: new Date(Number(process.env.BENCH_NOW) * 1000),
  clockTolerance: 5,
};
const count = Number(process.env.BENCH_COUNT);

async function run(n) {
  for (let i = 0; i < n; i++) {
    const { payload } = await jose.jwtVerify(token, key, options);
    if (payload.sub !== "1394412856401047552") throw new Error("wrong subject");
  }
}

await run(Math.min(count, 2000));
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await run(count);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
console.log(`verifications_per_second ${(count / seconds).toFixed(0)} cpu_us_per_verification ${((cpu.user + cpu.system) / count).toFixed(1)}`);
