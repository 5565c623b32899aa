// Runs an actions/github-script `script` as the real action does: an async function body with
// require, github, context, core, exec, glob, io. `core` speaks the runner's file and stdout
// commands, so outputs, env, masks and annotations go through stax like any other action's.
// `github` needs the GitHub API, which is not reachable offline: any use fails with a clear error.
"use strict";
const fs = require("fs");
const path = require("path");
const cp = require("child_process");
const { createRequire } = require("module");

const gh = JSON.parse(fs.readFileSync(process.env.STAX_GITHUB_CONTEXT_FILE, "utf8"));
const escData = (s) => String(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const str = (v) => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v));
function fileCommand(name, key, value) {
  const delim = `ghadelimiter_${Math.random().toString(36).slice(2)}`;
  fs.appendFileSync(process.env[name], `${key}<<${delim}\n${str(value)}\n${delim}\n`);
}

const summaryLines = [];
// @actions/core's AnnotationProperties → the workflow command's properties (toCommandProperties).
const PROPERTY_NAMES = {
  title: "title",
  file: "file",
  startLine: "line",
  endLine: "endLine",
  startColumn: "col",
  endColumn: "endColumn",
};
const escProperty = (s) => escData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

function annotate(kind, message, props) {
  const pairs = Object.entries(PROPERTY_NAMES)
    .filter(([k]) => props && props[k] !== undefined && props[k] !== null && props[k] !== "")
    .map(([k, name]) => `${name}=${escProperty(props[k])}`);
  console.log(
    `::${kind}${pairs.length ? ` ${pairs.join(",")}` : ""}::${escData(message instanceof Error ? message.message : message)}`,
  );
}

const core = {
  getInput(name, opts) {
    const v = (process.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] || "").trim();
    if (opts && opts.required && !v) throw new Error(`Input required and not supplied: ${name}`);
    return v;
  },
  getBooleanInput(name, opts) {
    const v = core.getInput(name, opts);
    if (["true", "True", "TRUE"].includes(v)) return true;
    if (["false", "False", "FALSE"].includes(v)) return false;
    throw new TypeError(`Input does not meet YAML 1.2 "Core Schema" specification: ${name}`);
  },
  getMultilineInput: (name, opts) =>
    core
      .getInput(name, opts)
      .split("\n")
      .filter((x) => x !== ""),
  setOutput: (k, v) => fileCommand("GITHUB_OUTPUT", k, v),
  exportVariable(k, v) {
    process.env[k] = str(v);
    fileCommand("GITHUB_ENV", k, v);
  },
  addPath(p) {
    fs.appendFileSync(process.env.GITHUB_PATH, `${p}\n`);
    process.env.PATH = `${p}${path.delimiter}${process.env.PATH}`;
  },
  setSecret: (s) => console.log(`::add-mask::${escData(s)}`),
  setFailed(m) {
    process.exitCode = 1;
    core.error(m);
  },
  isDebug: () => process.env.RUNNER_DEBUG === "1",
  debug: (m) => console.log(`::debug::${escData(m)}`),
  info: (m) => console.log(m),
  error: (m, props) => annotate("error", m, props),
  warning: (m, props) => annotate("warning", m, props),
  notice: (m, props) => annotate("notice", m, props),
  startGroup: (n) => console.log(`::group::${n}`),
  endGroup: () => console.log("::endgroup::"),
  async group(n, fn) {
    core.startGroup(n);
    try {
      return await fn();
    } finally {
      core.endGroup();
    }
  },
  saveState: (k, v) => fileCommand("GITHUB_STATE", k, v),
  getState: (k) => process.env[`STATE_${k}`] || "",
  summary: {
    addRaw(t, eol) {
      summaryLines.push(String(t) + (eol ? "\n" : ""));
      return this;
    },
    addEOL() {
      return this.addRaw("\n");
    },
    addHeading(t, level = 1) {
      return this.addRaw(`<h${level}>${t}</h${level}>`, true);
    },
    addCodeBlock(code, lang) {
      return this.addRaw(`<pre${lang ? ` lang="${lang}"` : ""}><code>${code}</code></pre>`, true);
    },
    addList(items, ordered = false) {
      const tag = ordered ? "ol" : "ul";
      return this.addRaw(`<${tag}>${items.map((i) => `<li>${i}</li>`).join("")}</${tag}>`, true);
    },
    addTable(rows) {
      const cell = (c) =>
        typeof c === "string" ? `<td>${c}</td>` : `<${c.header ? "th" : "td"}>${c.data}</${c.header ? "th" : "td"}>`;
      return this.addRaw(`<table>${rows.map((r) => `<tr>${r.map(cell).join("")}</tr>`).join("")}</table>`, true);
    },
    addLink(text, href) {
      return this.addRaw(`<a href="${href}">${text}</a>`);
    },
    stringify: () => summaryLines.join(""),
    isEmptyBuffer: () => summaryLines.length === 0,
    emptyBuffer() {
      summaryLines.length = 0;
      return this;
    },
    async write(opts) {
      const text = summaryLines.join("");
      if (opts && opts.overwrite) fs.writeFileSync(process.env.GITHUB_STEP_SUMMARY, text);
      else fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, text);
      summaryLines.length = 0;
      return this;
    },
  },
};

const [owner, repo] = String(gh.repository || "/").split("/");
const context = {
  payload: gh.event || {},
  eventName: gh.event_name,
  sha: gh.sha,
  ref: gh.ref,
  workflow: gh.workflow,
  action: gh.action,
  actor: gh.actor,
  job: gh.job,
  runNumber: Number(gh.run_number),
  runId: Number(gh.run_id),
  runAttempt: Number(gh.run_attempt || 1),
  apiUrl: gh.api_url,
  serverUrl: gh.server_url,
  graphqlUrl: gh.graphql_url,
  repo: { owner, repo },
  get issue() {
    const p = this.payload;
    return { owner, repo, number: (p.issue || p.pull_request || p).number };
  },
};

const OFFLINE =
  "github (the Octokit client of actions/github-script) needs the GitHub API, which stax does not reach offline; keep API calls out of local runs (e.g. `if: ${{ !env.STAX }}`)";
function offline(pathSoFar) {
  return new Proxy(function () {}, {
    get(_t, prop) {
      if (prop === "then") return undefined;
      return offline(`${pathSoFar}.${String(prop)}`);
    },
    apply() {
      const err = new Error(`${pathSoFar}(): ${OFFLINE}`);
      err.staxOffline = true;
      throw err;
    },
  });
}

function splitArgs(line) {
  const out = [];
  let cur = "";
  let q = "";
  for (const ch of line) {
    if (q) {
      if (ch === q) q = "";
      else cur += ch;
    } else if (ch === '"' || ch === "'") q = ch;
    else if (/\s/.test(ch)) {
      if (cur) out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

function run(command, args, opts, capture) {
  const argv = args && args.length ? [command, ...args] : splitArgs(command);
  return new Promise((resolve, reject) => {
    const child = cp.spawn(argv[0], argv.slice(1), {
      cwd: (opts && opts.cwd) || process.cwd(),
      env: (opts && opts.env) || process.env,
      stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    let stdout = "";
    let stderr = "";
    if (capture) {
      child.stdout.on("data", (d) => {
        stdout += d;
        if (!(opts && opts.silent)) process.stdout.write(d);
      });
      child.stderr.on("data", (d) => {
        stderr += d;
        if (!(opts && opts.silent)) process.stderr.write(d);
      });
    }
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0 && !(opts && opts.ignoreReturnCode))
        reject(new Error(`The process '${argv[0]}' failed with exit code ${code}`));
      else resolve({ exitCode: code, stdout, stderr });
    });
  });
}
const exec = {
  exec: async (cmd, args, opts) => (await run(cmd, args, opts, false)).exitCode,
  getExecOutput: (cmd, args, opts) => run(cmd, args, opts, true),
};

function globToRegex(pattern) {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*" && pattern[i + 1] === "*") {
      re += pattern[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += pattern[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
const glob = {
  async create(patterns) {
    const lines = String(patterns)
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    const inc = lines.filter((l) => !l.startsWith("!")).map((l) => globToRegex(path.resolve(l)));
    const exc = lines.filter((l) => l.startsWith("!")).map((l) => globToRegex(path.resolve(l.slice(1))));
    const all = [];
    const walk = (dir) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.name === ".git") continue;
        const p = path.join(dir, e.name);
        all.push(p);
        if (e.isDirectory()) walk(p);
      }
    };
    return {
      async glob() {
        if (!all.length) walk(process.cwd());
        return all.filter((p) => inc.some((r) => r.test(p)) && !exc.some((r) => r.test(p)));
      },
    };
  },
};

const io = {
  mkdirP: (p) => fs.promises.mkdir(p, { recursive: true }),
  rmRF: (p) => fs.promises.rm(p, { recursive: true, force: true }),
  cp: (s, d, o) => fs.promises.cp(s, d, { recursive: !!(o && o.recursive), force: !(o && o.force === false) }),
  mv: (s, d) => fs.promises.rename(s, d),
  async which(tool, check) {
    for (const dir of (process.env.PATH || "").split(path.delimiter)) {
      const p = path.join(dir, tool);
      if (fs.existsSync(p)) return p;
    }
    if (check) throw new Error(`Unable to locate executable file: ${tool}`);
    return "";
  },
};

const userRequire = createRequire(path.join(process.cwd(), "__github_script__.js"));
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
const fn = new AsyncFunction(
  "require",
  "__original_require__",
  "github",
  "octokit",
  "context",
  "core",
  "exec",
  "glob",
  "io",
  "fetch",
  process.env.INPUT_SCRIPT || "",
);
fn(userRequire, require, offline("github"), offline("octokit"), context, core, exec, glob, io, globalThis.fetch).then(
  (result) =>
    core.setOutput(
      "result",
      core.getInput("result-encoding") === "string" ? str(result) : result === undefined ? "" : JSON.stringify(result),
    ),
  (err) => {
    // As the action does: the error, then the step fails with it. The offline error is said once:
    // its stack would only point into this file and repeat the message.
    if (!(err && err.staxOffline)) console.error(err);
    core.setFailed(`Unhandled error: ${err}`);
  },
);
