/**
 * `container.options` / `services.*.options` read as `docker create` reads them (DOCK-02), mapped
 * onto the Engine API's create body, and `credentials:` sent as X-Registry-Auth. The last test uses
 * the fake engine: no registry is reachable here, so a real engine cannot show the header it got.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DockerEngine } from "../../src/engine/index.js";
import { parseCreateOptions } from "../../src/engine/docker/create-options.js";
import { parseByteSize, parseDuration, parsePortSpec } from "../../src/engine/docker/option-values.js";
import { FakeDocker } from "../helpers/fake-docker.js";
import { runFixture } from "../helpers/engine.js";
import { FixtureRepo } from "../helpers/git-repo.js";

test("long and short options, --opt=value and -Xvalue, quoted values and lists map onto Config and HostConfig", () => {
  const o = parseCreateOptions(
    `--hostname my.host.local -u 100:101 --cpus=1.5 -m 1g --shm-size 64m -e A=1 -eB=2 --env C -v /a:/b:ro --volume=named:/c ` +
      `--health-cmd "pg_isready -U runner" --health-interval 10s --health-timeout 1m30s --health-retries 5 --health-start-period 500ms ` +
      `--privileged --read-only=false --cap-add NET_ADMIN --add-host db.local=10.0.0.2 --ulimit nofile=1024:2048 --label a=b ` +
      `-p 127.0.0.1:8080:80 -p 53/udp --tmpfs /run:size=64m --mount type=bind,source=/x,target=/y,readonly --sysctl net.core.somaxconn=1024 ` +
      `--device /dev/fuse --restart on-failure:3 --log-opt max-size=1m --name svc --network-alias alias --init -ti`,
  );
  assert.deepEqual(o.config, {
    Hostname: "my.host.local",
    User: "100:101",
    Env: ["A=1", "B=2", "C="],
    Healthcheck: {
      Test: ["CMD-SHELL", "pg_isready -U runner"],
      Interval: 10e9,
      Timeout: 90e9,
      Retries: 5,
      StartPeriod: 500e6,
    },
    Labels: { a: "b" },
    ExposedPorts: { "80/tcp": {}, "53/udp": {} },
    Tty: true,
    OpenStdin: true,
  });
  assert.deepEqual(o.host, {
    NanoCpus: 1.5e9,
    Memory: 1024 ** 3,
    ShmSize: 64 * 1024 ** 2,
    Binds: ["/a:/b:ro", "named:/c"],
    Privileged: true,
    ReadonlyRootfs: false,
    CapAdd: ["NET_ADMIN"],
    ExtraHosts: ["db.local:10.0.0.2"],
    Ulimits: [{ Name: "nofile", Soft: 1024, Hard: 2048 }],
    PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }], "53/udp": [{ HostIp: "", HostPort: "" }] },
    Tmpfs: { "/run": "size=64m" },
    Mounts: [{ Type: "bind", Source: "/x", Target: "/y", ReadOnly: true }],
    Sysctls: { "net.core.somaxconn": "1024" },
    Devices: [{ PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" }],
    RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 },
    LogConfig: { Type: "", Config: { "max-size": "1m" } },
    Init: true,
  });
  assert.deepEqual(o.query, { name: "svc" });
  assert.deepEqual(o.aliases, ["alias"]);
  assert.deepEqual(parseCreateOptions("  "), { config: {}, host: {}, query: {}, aliases: [] });
});

test("what docker create would refuse, and --network/--entrypoint, are errors naming the option", () => {
  const refused: [string, RegExp][] = [
    ["--hostnme x", /unknown option '--hostnme' \(not a docker create option; did you mean --hostname\?\)/],
    ["--frobnicate", /unknown option '--frobnicate' \(not a docker create option\)$/],
    ["-Z", /unknown option '-Z'/],
    ["--network host", /--network is not supported/],
    ["--net=host", /--network is not supported/],
    ["--entrypoint sh", /--entrypoint is not supported/],
    ["--cpus lots", /--cpus takes a number, not 'lots'/],
    ["--health-interval 10", /--health-interval takes a duration/],
    ["--memory 1q", /takes a size such as 512m/],
    ["--health-retries", /--health-retries needs a value/],
    ["--privileged=maybe", /takes true or false/],
    ["node:20", /'node:20' is not an option/],
    ["-p 80:http", /port '80:http'/],
  ];
  for (const [text, message] of refused) assert.throws(() => parseCreateOptions(text), message, text);
});

test("option values as the Docker CLI reads them: Go durations, binary sizes, port specs", () => {
  assert.equal(parseDuration("1h2m3.5s"), 3723.5e9);
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseByteSize("1.5g"), 1.5 * 1024 ** 3);
  assert.equal(parseByteSize("512MB"), 512 * 1024 ** 2);
  assert.deepEqual(parsePortSpec(5432), { key: "5432/tcp", hostIp: "", hostPort: "" });
  assert.deepEqual(parsePortSpec("127.0.0.1::80"), { key: "80/tcp", hostIp: "127.0.0.1", hostPort: "" });
  assert.deepEqual(parsePortSpec("8000-8002:8000-8002/udp"), {
    key: "8000-8002/udp",
    hostIp: "",
    hostPort: "8000-8002",
  });
});

let fake: FakeDocker;
before(async () => {
  fake = await new FakeDocker().start();
});
after(() => fake.close());

test("credentials of a job container are sent to the engine's pull as X-Registry-Auth (fake engine: no registry here)", async () => {
  const repo = new FixtureRepo({
    ".github/workflows/c.yml": `on: push
jobs:
  private:
    runs-on: ubuntu-latest
    container:
      image: registry.example:5000/octo/private:1
      credentials:
        username: octo
        password: \${{ secrets.REGISTRY_TOKEN }}
    steps:
      - run: echo in
`,
  });
  await runFixture(repo.dir, "c.yml", {
    docker: new DockerEngine({ socketPath: fake.socketPath }),
    secrets: { REGISTRY_TOKEN: "t0ken" },
  });
  const pull = fake.calls.find((c) =>
    c.path.startsWith("/images/create?fromImage=registry.example%3A5000%2Focto%2Fprivate"),
  );
  assert.ok(pull, fake.calls.map((c) => c.path).join("\n"));
  const auth = JSON.parse(Buffer.from(String(pull.headers?.["x-registry-auth"]), "base64url").toString()) as Record<
    string,
    string
  >;
  assert.deepEqual(auth, { username: "octo", password: "t0ken", serveraddress: "registry.example:5000" });
});
