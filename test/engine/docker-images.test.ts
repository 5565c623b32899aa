/**
 * Issue 23 item 8, against the machine's real Docker engine: a Docker action's image is tagged by
 * what it is built from, so a second run of the unchanged action builds nothing and adds no tag;
 * a changed action gets a new image and its previous one is removed.
 */
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runFixture, fixtureWorkspace } from "../helpers/engine.js";
import { noEngine, realDocker } from "../helpers/docker-leftovers.js";

const skip = await noEngine();

test(
  "an unchanged Docker action is not rebuilt and adds no tag; a changed one is rebuilt under a new content tag and the old tag is removed",
  { skip },
  async () => {
    const workspace = fixtureWorkspace("docker-life");
    const source = encodeURIComponent(
      JSON.stringify({ label: ["stax.action.source=local/docker-life:./actions/echoer"] }),
    );
    const tags = async () =>
      (await realDocker.call<{ RepoTags: string[] }[]>("GET", `/images/json?filters=${source}`)).body
        .flatMap((i) => i.RepoTags)
        .sort();
    const run = async () => {
      const r = await runFixture(workspace, "action.yml", { docker: realDocker });
      assert.equal(r.job("echo").conclusion, "success", r.log);
      return r.log;
    };
    const first = await run();
    assert.match(first, /echoer says hello/);
    const [tag] = await tags();
    assert.match(tag ?? "", /^stax-action:[0-9a-f]{16}$/, `one content tag: ${(await tags()).join(", ")}`);
    const second = await run();
    assert.match(
      second,
      new RegExp(`Using ${tag} for Docker action './actions/echoer': built before from the same files`),
    );
    assert.doesNotMatch(second, /Building/, "the unchanged action is not rebuilt");
    assert.deepEqual(await tags(), [tag], "no new tag");
    appendFileSync(join(workspace, "actions", "echoer", "entrypoint.sh"), 'echo "changed"\n');
    const third = await run();
    assert.match(third, /Building Dockerfile of Docker action '\.\/actions\/echoer' as stax-action:/);
    assert.match(third, /echoer says hello\nchanged/);
    const now = await tags();
    assert.equal(now.length, 1, `the old tag was removed: ${now.join(", ")}`);
    assert.notEqual(now[0], tag);
  },
);
