/**
 * Issue 23 item 3 as a user meets it, against the machine's real Docker engine: Ctrl-C on
 * `stax run` while a step sleeps in a job container ends the run cancelled within the grace
 * (7.5 s + 2.5 s), always() steps ran, and nothing of the run remains in the engine; a second
 * Ctrl-C stops a step that ignores SIGINT and SIGTERM at once.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { test } from "node:test";
import { noEngine, realDocker } from "../helpers/docker-leftovers.js";
import { STAX_BIN } from "../helpers/runner.js";
import { fixtureCopy, tempDir } from "../helpers/temp.js";

const skip = await noEngine();
const workspace = fixtureCopy("docker-life");

/** Containers and networks the engine holds whose owner is `pid` of this host. */
async function ownedBy(pid: number): Promise<string[]> {
  const f = encodeURIComponent(JSON.stringify({ label: ["stax.owner"] }));
  const mine = (x: { Id: string; Labels?: Record<string, string> | null }) =>
    (x.Labels?.["stax.owner"] ?? "").startsWith(`${hostname()}/${pid}/`);
  const lists = await Promise.all(
    [`/containers/json?all=true&filters=${f}`, `/networks?filters=${f}`].map(
      async (p) => (await realDocker.call<{ Id: string; Labels?: Record<string, string> }[]>("GET", p)).body,
    ),
  );
  return lists
    .flat()
    .filter(mine)
    .map((x) => x.Id);
}

/** `stax run WORKFLOW`, SIGINT `times` times once a step printed "started"; `ms` from the first SIGINT to the exit. */
function interrupt(
  workflow: string,
  times: number,
  job?: string,
): Promise<{ code: number | null; out: string; ms: number; pid: number }> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [STAX_BIN, "run", workflow, "-w", workspace, ...(job ? ["--job", job] : [])],
      { env: { ...process.env, NO_COLOR: "1", STAX_HOME: tempDir("stax-ctrl-c-") } },
    );
    let out = "";
    let t0 = Date.now();
    let sent = 0;
    const onData = (d: Buffer) => {
      out += d.toString();
      if (sent === 0 && /started/.test(out)) {
        t0 = Date.now();
        const send = () => {
          child.kill("SIGINT");
          if (++sent < times) setTimeout(send, 300);
        };
        send();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (code) => done({ code, out, ms: Date.now() - t0, pid: child.pid! }));
  });
}

test(
  "Ctrl-C on a step sleeping in a job container: the run ends cancelled within the grace, always() steps ran in the container, no container or network of it remains",
  { skip },
  async () => {
    const r = await interrupt("container cancel", 1);
    assert.equal(r.code, 1, r.out);
    assert.ok(r.ms <= 11_000, `took ${r.ms} ms`);
    assert.match(r.out, /cleanup ran in the container/);
    assert.match(r.out, /Run \d+ \(\w+\) cancelled/);
    assert.deepEqual(await ownedBy(r.pid), []);
  },
);

test(
  "a second Ctrl-C stops a step in a job container at once, even one that ignores SIGINT and SIGTERM; nothing of the run remains",
  { skip },
  async () => {
    const r = await interrupt("container stubborn", 2, "stubborn");
    assert.equal(r.code, 1, r.out);
    assert.ok(r.ms < 8_000, `took ${r.ms} ms`);
    assert.match(r.out, /stopping now/);
    assert.deepEqual(await ownedBy(r.pid), []);
  },
);
