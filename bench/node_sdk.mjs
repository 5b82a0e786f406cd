// SPDX-License-Identifier: BSL-1.0
// The official Node SDK (@wacht/backend, installed by test/interop) doing the calls bench_node_compare
// makes with wacht-cpp, against the same emulator: prints "cpu_us_per_call <n> calls_per_second <n>".
// Its CPU is process.cpuUsage() of the whole process (every thread), after a warm-up.
//
// env: WACHT_API_URL, WACHT_API_KEY, NODE_EXTRA_CA_CERTS, BENCH_CALL (list-10|details|list-100),
//      BENCH_USER_ID (for details), BENCH_CALLS, BENCH_IN_FLIGHT, BENCH_SDK_DIR (test/interop)
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(`${process.env.BENCH_SDK_DIR}/package.json`);
const { WachtClient } = await import(pathToFileURL(require.resolve("@wacht/backend")).href);

const client = new WachtClient({ apiKey: process.env.WACHT_API_KEY, baseUrl: process.env.WACHT_API_URL });
const call = process.env.BENCH_CALL;
const userId = process.env.BENCH_USER_ID;
const total = Number(process.env.BENCH_CALLS);
const inFlight = Number(process.env.BENCH_IN_FLIGHT);

async function once() {
  if (call === "details") {
    const details = await client.users.getUser(userId);
    if (details.id !== userId) throw new Error("wrong user");
    return;
  }
  const limit = call === "list-10" ? 10 : 100;
  const page = await client.users.listUsers({ limit });
  if (page.data.length !== limit) throw new Error(`expected ${limit} users`);
}

async function run(calls) {
  let issued = 0;
  const worker = async () => {
    while (issued < calls) {
      ++issued;
      await once();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

await run(Math.max(200, inFlight * 4)); // warm: connections, JIT
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
await run(total);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuBefore);
console.log(`cpu_us_per_call ${(cpu.user + cpu.system) / total} calls_per_second ${total / seconds}`);
